<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ClipBoxDialog</name>
    <message>
        <location filename="../../app/mpr.py" line="221"/>
        <source>Clip box</source>
        <translation>裁切框</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="237"/>
        <source>Whole volume</source>
        <translation>整个容积</translation>
    </message>
</context>
<context>
    <name>CloudDialog</name>
    <message>
        <location filename="../../app/cloud.py" line="177"/>
        <source>Medical Insurance Imaging Cloud</source>
        <translation>医保影像云</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="178"/>
        <source>Scan or type the 78-character index code</source>
        <translation>扫描或输入 78 位检查索引码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="179"/>
        <source>Look Up</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="180"/>
        <source>Authorize by QR Code</source>
        <translation>扫码授权</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="181"/>
        <source>Patient ID number</source>
        <translation>患者身份证号</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="182"/>
        <source>Send SMS Code</source>
        <translation>发送短信验证码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="183"/>
        <source>Code from SMS</source>
        <translation>短信验证码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="184"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="185"/>
        <source>Open Exam</source>
        <translation>打开检查</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="186"/>
        <source>Planned exam:</source>
        <translation>拟开检查：</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="187"/>
        <source>Body part, e.g. CHEST</source>
        <translation>检查部位，如 CHEST</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="188"/>
        <source>Open It</source>
        <translation>打开该检查</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="191"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="192"/>
        <source>Modality</source>
        <translation>设备类型</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="193"/>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="194"/>
        <source>Hospital</source>
        <translation>医院</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="195"/>
        <source>Province</source>
        <translation>省份</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="196"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="230"/>
        <source>Invalid index code: {0}</source>
        <translation>索引码无效：{0}</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="232"/>
        <source>Looking up the code…</source>
        <translation>正在查询索引码…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="238"/>
        <source>Preparing the QR code…</source>
        <translation>正在生成二维码…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="246"/>
        <source>Ask the patient to scan the QR code and approve (code {0})</source>
        <translation>请患者扫描二维码并同意授权（验证码 {0}）</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="264"/>
        <source>QR code valid for {0}:{1:02d}</source>
        <translation>二维码有效期 {0}:{1:02d}</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="274"/>
        <source>Authorized by {0}; loading the exam list…</source>
        <translation>{0} 已授权，正在加载检查列表…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="285"/>
        <source>SMS code sent to {0}</source>
        <translation>短信验证码已发送至 {0}</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="290"/>
        <source>Send an SMS code first</source>
        <translation>请先发送短信验证码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="313"/>
        <source>{0} exam(s)</source>
        <translation>{0} 项检查</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="337"/>
        <source>Duplicate-exam reminder: {0} similar exam(s) in the last {1} days; the latest on {2} at {3}. Consider opening it before ordering a new one.</source>
        <translation>重复检查提醒：近 {1} 天内已有 {0} 项相似检查，最近一次为 {2}（{3}）。开单前建议先调阅。</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="360"/>
        <source>Fetching {0}…</source>
        <translation>正在调阅 {0}…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="384"/>
        <source>from this workstation&apos;s cache</source>
        <translation>来自本工作站缓存</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="385"/>
        <source>from the hospital front-end server</source>
        <translation>来自本院前置机</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="386"/>
        <source>from the provincial cloud</source>
        <translation>来自省级影像云</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="390"/>
        <source>{0} images in {1:.1f} s, {2}</source>
        <translation>{0} 幅图像，用时 {1:.1f} 秒，{2}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/mainwindow.py" line="148"/>
        <source>Open &amp;Folder…</source>
        <translation>打开文件夹(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="152"/>
        <source>Open &amp;File, DICOMDIR or Zip…</source>
        <translation>打开文件、DICOMDIR 或 Zip(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="170"/>
        <source>Save &amp;Screenshot…</source>
        <translation>保存截图(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="174"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="366"/>
        <source>Layout {0}</source>
        <translation>布局 {0}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="191"/>
        <source>&amp;Fit to Window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="158"/>
        <source>Start &amp;Consultation…</source>
        <translation>发起会诊(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="164"/>
        <source>&amp;Join Consultation…</source>
        <translation>加入会诊(&amp;J)…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="195"/>
        <source>Actual Pixels (1:1)</source>
        <translation>原始像素 (1:1)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="201"/>
        <source>Rotate &amp;Right</source>
        <translation>向右旋转(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="207"/>
        <source>Rotate &amp;Left</source>
        <translation>向左旋转(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="213"/>
        <source>Flip &amp;Horizontal</source>
        <translation>水平翻转(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="219"/>
        <source>Flip &amp;Vertical</source>
        <translation>垂直翻转(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="225"/>
        <source>&amp;Invert</source>
        <translation>反色(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="231"/>
        <source>&amp;Synchronize Scrolling</source>
        <translation>同步翻页(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="238"/>
        <source>&amp;Reference Lines</source>
        <translation>定位线(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="245"/>
        <source>&amp;MPR / 3D</source>
        <translation>多平面重建/三维(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="252"/>
        <source>Play/Pause &amp;Cine</source>
        <translation>播放/暂停电影(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="258"/>
        <source>Cine Faster</source>
        <translation>电影加速</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="264"/>
        <source>Cine Slower</source>
        <translation>电影减速</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="276"/>
        <source>&amp;Window/Level</source>
        <translation>窗宽窗位(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="277"/>
        <source>&amp;Zoom</source>
        <translation>缩放(&amp;Z)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="278"/>
        <source>&amp;Pan</source>
        <translation>平移(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="279"/>
        <source>Scroll (Drag)</source>
        <translation>拖动翻页</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="280"/>
        <source>Select/&amp;Edit</source>
        <translation>选择/编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="281"/>
        <source>&amp;Length</source>
        <translation>长度(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="282"/>
        <source>&amp;Angle</source>
        <translation>角度(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="283"/>
        <source>&amp;Ellipse ROI</source>
        <translation>椭圆 ROI(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="284"/>
        <source>Rectangle ROI</source>
        <translation>矩形 ROI</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="285"/>
        <source>Pixel &amp;Probe</source>
        <translation>像素探针(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="286"/>
        <source>Arro&amp;w</source>
        <translation>箭头(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="287"/>
        <source>&amp;Text</source>
        <translation>文字(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="292"/>
        <source>&amp;Delete Measurement</source>
        <translation>删除测量(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="298"/>
        <source>Clear All Measurements</source>
        <translation>清除全部测量</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="309"/>
        <source>Auto (File or Histogram)</source>
        <translation>自动（文件或直方图）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="329"/>
        <source>Language: System</source>
        <translation>语言：跟随系统</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="355"/>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="359"/>
        <source>&amp;About Yunying</source>
        <translation>关于云影(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="370"/>
        <source>{0} (W {1:g} / L {2:g})</source>
        <translation>{0}（窗宽 {1:g} / 窗位 {2:g}）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="417"/>
        <source>Yunying 云影 — Diagnostic Workstation</source>
        <translation>云影 Yunying — 诊断工作站</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="419"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="420"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="421"/>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="422"/>
        <source>W&amp;indow/Level</source>
        <translation>窗宽窗位(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="423"/>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="424"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="435"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="436"/>
        <source>Toolbar</source>
        <translation>工具栏</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="437"/>
        <source>Studies</source>
        <translation>检查</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="536"/>
        <source>Open DICOM Folder</source>
        <translation>打开 DICOM 文件夹</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="543"/>
        <source>Open DICOM File, DICOMDIR or Zip</source>
        <translation>打开 DICOM 文件、DICOMDIR 或 Zip</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="545"/>
        <source>DICOM, DICOMDIR or zip (*.dcm DICOMDIR *.zip *);;All files (*)</source>
        <translation>DICOM、DICOMDIR 或 zip (*.dcm DICOMDIR *.zip *);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="552"/>
        <source>Reading {0}…</source>
        <translation>正在读取 {0}…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="582"/>
        <source>{0} series found</source>
        <translation>找到 {0} 个序列</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="584"/>
        <source>{0} file(s) could not be read</source>
        <translation>{0} 个文件无法读取</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="613"/>
        <source>Cloud not available: {0}</source>
        <translation>医保影像云不可用：{0}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="653"/>
        <source>Opened {0}, {1}</source>
        <translation>已打开 {0}，{1}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="678"/>
        <source>Study {0} is not on this workstation; open it by its index code</source>
        <translation>检查 {0} 不在本工作站，请用检查索引码打开</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="757"/>
        <source>Cannot open</source>
        <translation>无法打开</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="760"/>
        <source>Cannot open: {0}</source>
        <translation>无法打开：{0}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="813"/>
        <source>No image</source>
        <translation>无图像</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="817"/>
        <source>Image {0}/{1} · W {2:.0f} L {3:.0f}</source>
        <translation>图像 {0}/{1} · 窗宽 {2:.0f} 窗位 {3:.0f}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="820"/>
        <source>No calibrated pixel spacing: measurements in pixels</source>
        <translation>像素间距未校准：测量以像素为单位</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="829"/>
        <source>Scroll images</source>
        <translation>翻页</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="829"/>
        <source>Mouse wheel, ↑ ↓ ← →, Page Up/Down, Home/End</source>
        <translation>鼠标滚轮、↑ ↓ ← →、Page Up/Down、Home/End</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="830"/>
        <source>Window/level</source>
        <translation>窗宽窗位</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="830"/>
        <source>Left drag (Window/Level tool)</source>
        <translation>左键拖动（窗宽窗位工具）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="831"/>
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="831"/>
        <source>Right drag, Ctrl + wheel</source>
        <translation>右键拖动、Ctrl + 滚轮</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="832"/>
        <source>Pan</source>
        <translation>平移</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="832"/>
        <source>Middle drag</source>
        <translation>中键拖动</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="833"/>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="833"/>
        <source>Double-click</source>
        <translation>双击</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="840"/>
        <source>Keyboard Shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="845"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="845"/>
        <source>Shortcut</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="865"/>
        <source>Yunying 云影 — diagnostic DICOM workstation. Not cleared for clinical use.</source>
        <translation>云影 Yunying — 诊断级 DICOM 影像工作站。尚未获准用于临床。</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="865"/>
        <source>About Yunying</source>
        <translation>关于云影</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="895"/>
        <source>Open a study from the cloud first: a consultation shares a cloud study.</source>
        <translation>请先从云端打开检查：会诊共享的是云端检查。</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="910"/>
        <source>Consultation refused: {0}</source>
        <translation>会诊被拒绝：{0}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="917"/>
        <source>Consultation</source>
        <translation>会诊</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="918"/>
        <source>Invitation code: {0}
Link: {1}
Valid for {2:.0f} minutes.</source>
        <translation>邀请码：{0}
链接：{1}
有效期 {2:.0f} 分钟。</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="926"/>
        <source>Join Consultation</source>
        <translation>加入会诊</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="927"/>
        <source>Invitation code or link:</source>
        <translation>邀请码或链接：</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="943"/>
        <location filename="../../app/mainwindow.py" line="958"/>
        <source>Cannot join: {0}</source>
        <translation>无法加入：{0}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="964"/>
        <source>Consultation: fetching the study…</source>
        <translation>会诊：正在获取检查…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="992"/>
        <source>MPR and 3D need a volume: open a CT, MR or PET series first.</source>
        <translation>多平面重建和三维需要容积数据：请先打开 CT、MR 或 PET 序列。</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="1023"/>
        <source>Curved MPR ({0:.0f} mm)</source>
        <translation>曲面重建（{0:.0f} mm）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="1063"/>
        <source>Save Screenshot</source>
        <translation>保存截图</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="244"/>
        <source>Consultation ended: {0}</source>
        <translation>会诊已结束：{0}</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="251"/>
        <source>Consultation: connection lost, reconnecting…</source>
        <translation>会诊：连接中断，正在重连…</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="253"/>
        <source>Consultation: you are presenting</source>
        <translation>会诊：您正在主讲</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="258"/>
        <source>Consultation: following {0}</source>
        <translation>会诊：跟随 {0}</translation>
    </message>
</context>
<context>
    <name>MprPanel</name>
    <message>
        <location filename="../../app/mpr.py" line="363"/>
        <source>Slab:</source>
        <translation>层块：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="364"/>
        <source>3D:</source>
        <translation>三维：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="365"/>
        <source>Fusion:</source>
        <translation>融合：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="366"/>
        <source>Surface at:</source>
        <translation>表面阈值：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="367"/>
        <source>Step:</source>
        <translation>步长：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="368"/>
        <source>Shading</source>
        <translation>光照</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="369"/>
        <source>Clip at crosshair</source>
        <translation>在十字线处裁切</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="370"/>
        <source>Clip box…</source>
        <translation>裁切框…</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="371"/>
        <source>Export STL…</source>
        <translation>导出 STL…</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="372"/>
        <source>Reset planes</source>
        <translation>重置平面</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="374"/>
        <source>Crosshair</source>
        <translation>十字线</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="375"/>
        <source>Length</source>
        <translation>长度</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="376"/>
        <source>Angle</source>
        <translation>角度</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="377"/>
        <source>Ellipse ROI</source>
        <translation>椭圆 ROI</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="378"/>
        <source>Rectangle ROI</source>
        <translation>矩形 ROI</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="379"/>
        <source>Probe</source>
        <translation>探针</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="380"/>
        <source>Arrow</source>
        <translation>箭头</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="381"/>
        <source>Text</source>
        <translation>文字</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="382"/>
        <source>Curved MPR</source>
        <translation>曲面重建</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="385"/>
        <location filename="../../app/mpr.py" line="397"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="386"/>
        <source>MIP</source>
        <translation>最大密度投影</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="387"/>
        <source>MinIP</source>
        <translation>最小密度投影</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="388"/>
        <source>Average</source>
        <translation>平均</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="460"/>
        <source>Note</source>
        <translation>注释</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="460"/>
        <source>Annotation</source>
        <translation>标注</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="460"/>
        <source>Text:</source>
        <translation>文字：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="472"/>
        <source>Export STL</source>
        <translation>导出 STL</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="477"/>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
</context>
<context>
    <name>Overlay</name>
    <message>
        <location filename="../../app/mainwindow.py" line="1091"/>
        <source>Im</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="1092"/>
        <source>Loc</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="1093"/>
        <source>Thk</source>
        <translation>层厚</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="1094"/>
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="1095"/>
        <source>uncalibrated</source>
        <translation>未校准</translation>
    </message>
</context>
<context>
    <name>StudyBrowser</name>
    <message>
        <location filename="../../app/browser.py" line="47"/>
        <source>Patient / Study / Series</source>
        <translation>患者 / 检查 / 序列</translation>
    </message>
    <message>
        <location filename="../../app/browser.py" line="48"/>
        <source>Modality</source>
        <translation>设备类型</translation>
    </message>
    <message>
        <location filename="../../app/browser.py" line="49"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../app/browser.py" line="50"/>
        <source>Images</source>
        <translation>图像数</translation>
    </message>
    <message>
        <location filename="../../app/browser.py" line="69"/>
        <source>(no description)</source>
        <translation>（无描述）</translation>
    </message>
</context>
<context>
    <name>ViewportWidget</name>
    <message>
        <location filename="../../app/viewport.py" line="322"/>
        <source>Annotation</source>
        <translation>标注</translation>
    </message>
    <message>
        <location filename="../../app/viewport.py" line="322"/>
        <source>Text:</source>
        <translation>文字：</translation>
    </message>
</context>
</TS>

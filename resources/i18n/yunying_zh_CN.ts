<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name></name>
    <message>
        <location filename="../../app/tags.py" line="48"/>
        <location filename="../../app/tags.py" line="92"/>
        <source>DICOM Tags</source>
        <extracomment>threads per lane: &quot;load&quot; decodes series (memory-bound), &quot;net&quot; waits on servers Above this many matching nodes the tree opens collapsed (expanding would take long).</extracomment>
        <translation>DICOM 标签</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="52"/>
        <source>Search tag, name or value…</source>
        <translation>搜索标签、名称或值…</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="58"/>
        <source>Tag</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="58"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="58"/>
        <source>VR</source>
        <translation>VR</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="58"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="89"/>
        <source>Cannot read {0}: {1}</source>
        <translation>无法读取 {0}：{1}</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="107"/>
        <source>{0} of {1} elements</source>
        <translation>{0} / {1} 个元素</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="110"/>
        <source>header too large: not all elements shown</source>
        <translation>文件头过大：未显示全部元素</translation>
    </message>
</context>
<context>
    <name>ClipBoxDialog</name>
    <message>
        <location filename="../../app/mpr.py" line="56"/>
        <source>Clip box</source>
        <translation>裁切框</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="72"/>
        <source>Whole volume</source>
        <translation>整个容积</translation>
    </message>
</context>
<context>
    <name>CloudDialog</name>
    <message>
        <location filename="../../app/cloud.py" line="171"/>
        <source>Medical Insurance Imaging Cloud</source>
        <translation>医保影像云</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="172"/>
        <source>Scan or type the 78-character index code</source>
        <translation>扫描或输入 78 位检查索引码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="173"/>
        <source>Look Up</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="174"/>
        <source>Authorize by QR Code</source>
        <translation>扫码授权</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="175"/>
        <source>Patient ID number</source>
        <translation>患者身份证号</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="176"/>
        <source>Send SMS Code</source>
        <translation>发送短信验证码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="177"/>
        <source>Code from SMS</source>
        <translation>短信验证码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="178"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="179"/>
        <source>Open Exam</source>
        <translation>打开检查</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="180"/>
        <source>Planned exam:</source>
        <translation>拟开检查：</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="181"/>
        <source>Body part, e.g. CHEST</source>
        <translation>检查部位，如 CHEST</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="182"/>
        <source>Open It</source>
        <translation>打开该检查</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="185"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="186"/>
        <source>Modality</source>
        <translation>设备类型</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="187"/>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="188"/>
        <source>Hospital</source>
        <translation>医院</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="189"/>
        <source>Province</source>
        <translation>省份</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="190"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="224"/>
        <source>Invalid index code: {0}</source>
        <extracomment>What an action does to the active viewport widget (an ``app.viewport.ViewportWidget``).</extracomment>
        <translation>索引码无效：{0}</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="226"/>
        <source>Looking up the code…</source>
        <translation>正在查询索引码…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="232"/>
        <source>Preparing the QR code…</source>
        <translation>正在生成二维码…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="240"/>
        <source>Ask the patient to scan the QR code and approve (code {0})</source>
        <translation>请患者扫描二维码并同意授权（验证码 {0}）</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="256"/>
        <source>QR code valid for {0}:{1:02d}</source>
        <translation>二维码有效期 {0}:{1:02d}</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="266"/>
        <source>Authorized by {0}; loading the exam list…</source>
        <translation>{0} 已授权，正在加载检查列表…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="277"/>
        <source>SMS code sent to {0}</source>
        <translation>短信验证码已发送至 {0}</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="282"/>
        <source>Send an SMS code first</source>
        <translation>请先发送短信验证码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="305"/>
        <source>{0} exam(s)</source>
        <translation>{0} 项检查</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="329"/>
        <source>Duplicate-exam reminder: {0} similar exam(s) in the last {1} days; the latest on {2} at {3}. Consider opening it before ordering a new one.</source>
        <translation>重复检查提醒：近 {1} 天内已有 {0} 项相似检查，最近一次为 {2}（{3}）。开单前建议先调阅。</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="352"/>
        <source>Fetching {0}…</source>
        <translation>正在调阅 {0}…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="378"/>
        <source>from this workstation&apos;s cache</source>
        <translation>来自本工作站缓存</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="379"/>
        <source>from the hospital front-end server</source>
        <translation>来自本院前置机</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="380"/>
        <source>from the provincial cloud</source>
        <translation>来自省级影像云</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="384"/>
        <source>{0} images in {1:.1f} s, {2}</source>
        <translation>{0} 幅图像，用时 {1:.1f} 秒，{2}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/actions.py" line="103"/>
        <source>Open &amp;Folder…</source>
        <translation>打开文件夹(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="105"/>
        <source>Open &amp;File, DICOMDIR or Zip…</source>
        <translation>打开文件、DICOMDIR 或 Zip(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="113"/>
        <source>Save &amp;Screenshot…</source>
        <translation>保存截图(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="115"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="84"/>
        <source>Layout {0}</source>
        <translation>布局 {0}</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="121"/>
        <source>&amp;Fit to Window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="109"/>
        <source>Start &amp;Consultation…</source>
        <translation>发起会诊(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="111"/>
        <source>&amp;Join Consultation…</source>
        <translation>加入会诊(&amp;J)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="123"/>
        <source>Actual Pixels (1:1)</source>
        <translation>原始像素 (1:1)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="125"/>
        <source>Rotate &amp;Right</source>
        <translation>向右旋转(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="127"/>
        <source>Rotate &amp;Left</source>
        <translation>向左旋转(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="129"/>
        <source>Flip &amp;Horizontal</source>
        <translation>水平翻转(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="131"/>
        <source>Flip &amp;Vertical</source>
        <translation>垂直翻转(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="133"/>
        <source>&amp;Invert</source>
        <translation>反色(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="135"/>
        <source>&amp;Synchronize Scrolling</source>
        <translation>同步翻页(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="141"/>
        <source>&amp;Reference Lines</source>
        <translation>定位线(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="145"/>
        <source>&amp;MPR / 3D</source>
        <translation>多平面重建/三维(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="147"/>
        <source>Play/Pause &amp;Cine</source>
        <translation>播放/暂停电影(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="149"/>
        <source>Cine Faster</source>
        <translation>电影加速</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="151"/>
        <source>Cine Slower</source>
        <translation>电影减速</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="68"/>
        <source>&amp;Window/Level</source>
        <translation>窗宽窗位(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="69"/>
        <source>&amp;Zoom</source>
        <translation>缩放(&amp;Z)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="70"/>
        <source>&amp;Pan</source>
        <translation>平移(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="71"/>
        <source>Scroll (Drag)</source>
        <translation>拖动翻页</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="72"/>
        <source>Select/&amp;Edit</source>
        <translation>选择/编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="73"/>
        <source>&amp;Length</source>
        <translation>长度(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="74"/>
        <source>&amp;Angle</source>
        <translation>角度(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="75"/>
        <source>&amp;Ellipse ROI</source>
        <translation>椭圆 ROI(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="76"/>
        <source>Rectangle ROI</source>
        <translation>矩形 ROI</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="77"/>
        <source>Pixel &amp;Probe</source>
        <translation>像素探针(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="78"/>
        <source>Arro&amp;w</source>
        <translation>箭头(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="79"/>
        <source>&amp;Text</source>
        <translation>文字(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="107"/>
        <source>&amp;Cloud…</source>
        <translation>医保影像云(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="137"/>
        <source>Link &amp;Zoom and Pan</source>
        <translation>联动缩放与平移(&amp;Z)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="139"/>
        <source>Link &amp;Window/Level</source>
        <translation>联动窗宽窗位(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="143"/>
        <location filename="../../app/problems_link.py" line="41"/>
        <source>&amp;Problems…</source>
        <translation>问题列表(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="158"/>
        <source>&amp;Delete Measurement</source>
        <extracomment>Longest file name component and whole path accepted on the command line (bytes).</extracomment>
        <translation>删除测量(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="160"/>
        <source>Clear All Measurements</source>
        <translation>清除全部测量</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="162"/>
        <source>Auto (File or Histogram)</source>
        <translation>自动（文件或直方图）</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="169"/>
        <source>Language: System</source>
        <translation>语言：跟随系统</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="175"/>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="177"/>
        <source>&amp;About Yunying</source>
        <translation>关于云影(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="92"/>
        <source>{0} (W {1:g} / L {2:g})</source>
        <translation>{0}（窗宽 {1:g} / 窗位 {2:g}）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="269"/>
        <source>Yunying 云影 — Diagnostic Workstation</source>
        <translation>云影 Yunying — 诊断工作站</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="59"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="60"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="61"/>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="62"/>
        <source>W&amp;indow/Level</source>
        <translation>窗宽窗位(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="63"/>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="64"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="271"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="272"/>
        <source>Toolbar</source>
        <translation>工具栏</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="273"/>
        <source>Studies</source>
        <translation>检查</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="302"/>
        <source>Open DICOM Folder</source>
        <translation>打开 DICOM 文件夹</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="309"/>
        <source>Open DICOM File, DICOMDIR or Zip</source>
        <translation>打开 DICOM 文件、DICOMDIR 或 Zip</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="311"/>
        <source>DICOM, DICOMDIR or zip (*.dcm DICOMDIR *.zip *);;All files (*)</source>
        <translation>DICOM、DICOMDIR 或 zip (*.dcm DICOMDIR *.zip *);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="197"/>
        <source>Reading {0}…</source>
        <translation>正在读取 {0}…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="221"/>
        <source>{0} series found</source>
        <translation>找到 {0} 个序列</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="223"/>
        <location filename="../../app/problems_link.py" line="37"/>
        <source>{0} file(s) could not be read</source>
        <translation>{0} 个文件无法读取</translation>
    </message>
    <message>
        <location filename="../../app/cloud_link.py" line="54"/>
        <source>Cloud not available: {0}</source>
        <translation>医保影像云不可用：{0}</translation>
    </message>
    <message>
        <location filename="../../app/cloud_link.py" line="88"/>
        <source>Opened {0}, {1}</source>
        <translation>已打开 {0}，{1}</translation>
    </message>
    <message>
        <location filename="../../app/cloud_link.py" line="109"/>
        <source>Study {0} is not on this workstation; open it by its index code</source>
        <translation>检查 {0} 不在本工作站，请用检查索引码打开</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="214"/>
        <source>Cannot open</source>
        <translation>无法打开</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="215"/>
        <source>Cannot open: {0}</source>
        <translation>无法打开：{0}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="260"/>
        <source>No image</source>
        <translation>无图像</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="263"/>
        <source>Image {0}/{1} · W {2:.0f} L {3:.0f}</source>
        <translation>图像 {0}/{1} · 窗宽 {2:.0f} 窗位 {3:.0f}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="266"/>
        <source>No calibrated pixel spacing: measurements in pixels</source>
        <translation>像素间距未校准：测量以像素为单位</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="25"/>
        <source>Scroll images</source>
        <translation>翻页</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="28"/>
        <source>Mouse wheel, ↑ ↓ ← →, Page Up/Down, Home/End</source>
        <translation>鼠标滚轮、↑ ↓ ← →、Page Up/Down、Home/End</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="31"/>
        <source>Window/level</source>
        <translation>窗宽窗位</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="32"/>
        <source>Left drag (Window/Level tool)</source>
        <translation>左键拖动（窗宽窗位工具）</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="35"/>
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="36"/>
        <source>Right drag, Ctrl + wheel</source>
        <translation>右键拖动、Ctrl + 滚轮</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="39"/>
        <source>Pan</source>
        <translation>平移</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="40"/>
        <source>Middle drag</source>
        <translation>中键拖动</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="43"/>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="44"/>
        <source>Double-click</source>
        <translation>双击</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="52"/>
        <source>Keyboard Shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="59"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="60"/>
        <source>Shortcut</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="79"/>
        <source>Yunying 云影 — diagnostic DICOM workstation. Not cleared for clinical use.</source>
        <translation>云影 Yunying — 诊断级 DICOM 影像工作站。尚未获准用于临床。</translation>
    </message>
    <message>
        <location filename="../../app/helpdialogs.py" line="79"/>
        <source>About Yunying</source>
        <translation>关于云影</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="87"/>
        <source>Open a study from the cloud first: a consultation shares a cloud study.</source>
        <translation>请先从云端打开检查：会诊共享的是云端检查。</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="99"/>
        <location filename="../../app/consult_link.py" line="217"/>
        <source>Consultation refused: {0}</source>
        <translation>会诊被拒绝：{0}</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="110"/>
        <location filename="../../app/consult_link.py" line="200"/>
        <source>Consultation</source>
        <translation>会诊</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="113"/>
        <source>Invitation code: {0}
Link: {1}
Valid for {2:.0f} minutes.</source>
        <translation>邀请码：{0}
链接：{1}
有效期 {2:.0f} 分钟。</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="120"/>
        <source>Join Consultation</source>
        <translation>加入会诊</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="121"/>
        <source>Invitation code or link:</source>
        <translation>邀请码或链接：</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="144"/>
        <location filename="../../app/consult_link.py" line="160"/>
        <source>Cannot join: {0}</source>
        <translation>无法加入：{0}</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="166"/>
        <source>Consultation: waiting for the host to admit this workstation…</source>
        <translation>会诊：等待主持方准许本工作站加入…</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="167"/>
        <source>Consultation: fetching the study…</source>
        <translation>会诊：正在获取检查…</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="195"/>
        <source>{0} asks to join this consultation.</source>
        <translation>{0} 请求加入本次会诊。</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="203"/>
        <source>Admit this workstation?</source>
        <translation>准许该工作站加入吗？</translation>
    </message>
    <message>
        <location filename="../../app/mpr_link.py" line="58"/>
        <source>MPR and 3D need a volume: open a CT, MR or PET series first.</source>
        <translation>多平面重建和三维需要容积数据：请先打开 CT、MR 或 PET 序列。</translation>
    </message>
    <message>
        <location filename="../../app/mpr_link.py" line="91"/>
        <source>Curved MPR ({0:.0f} mm)</source>
        <translation>曲面重建（{0:.0f} mm）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="403"/>
        <source>Save Screenshot</source>
        <translation>保存截图</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="283"/>
        <source>Consultation ended: {0}</source>
        <translation>会诊已结束：{0}</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="290"/>
        <source>Consultation: connection lost, reconnecting…</source>
        <translation>会诊：连接中断，正在重连…</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="292"/>
        <source>Consultation: you are presenting</source>
        <translation>会诊：您正在主讲</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="297"/>
        <source>Consultation: following {0}</source>
        <translation>会诊：跟随 {0}</translation>
    </message>
    <message>
        <location filename="../../app/problems_link.py" line="62"/>
        <source>Problems</source>
        <translation>问题</translation>
    </message>
</context>
<context>
    <name>MprPanel</name>
    <message>
        <location filename="../../app/mpr.py" line="213"/>
        <source>Slab:</source>
        <translation>层块：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="214"/>
        <source>3D:</source>
        <translation>三维：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="215"/>
        <source>Fusion:</source>
        <translation>融合：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="216"/>
        <source>Surface at:</source>
        <translation>表面阈值：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="217"/>
        <source>Step:</source>
        <translation>步长：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="218"/>
        <source>Shading</source>
        <translation>光照</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="219"/>
        <source>Clip at crosshair</source>
        <translation>在十字线处裁切</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="220"/>
        <source>Clip box…</source>
        <translation>裁切框…</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="221"/>
        <source>Export STL…</source>
        <translation>导出 STL…</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="222"/>
        <source>Reset planes</source>
        <translation>重置平面</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="224"/>
        <source>Crosshair</source>
        <translation>十字线</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="225"/>
        <source>Length</source>
        <translation>长度</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="226"/>
        <source>Angle</source>
        <translation>角度</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="227"/>
        <source>Ellipse ROI</source>
        <translation>椭圆 ROI</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="228"/>
        <source>Rectangle ROI</source>
        <translation>矩形 ROI</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="229"/>
        <source>Probe</source>
        <translation>探针</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="230"/>
        <source>Arrow</source>
        <translation>箭头</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="231"/>
        <source>Text</source>
        <translation>文字</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="232"/>
        <source>Curved MPR</source>
        <translation>曲面重建</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="235"/>
        <location filename="../../app/mpr.py" line="247"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="236"/>
        <source>MIP</source>
        <translation>最大密度投影</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="237"/>
        <source>MinIP</source>
        <translation>最小密度投影</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="238"/>
        <source>Average</source>
        <translation>平均</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="310"/>
        <source>Note</source>
        <translation>注释</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="310"/>
        <source>Annotation</source>
        <translation>标注</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="310"/>
        <source>Text:</source>
        <translation>文字：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="322"/>
        <source>Export STL</source>
        <translation>导出 STL</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="327"/>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
</context>
<context>
    <name>Overlay</name>
    <message>
        <location filename="../../app/mainwindow.py" line="434"/>
        <source>Im</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="435"/>
        <source>Loc</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="436"/>
        <source>Thk</source>
        <translation>层厚</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="437"/>
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="438"/>
        <source>uncalibrated</source>
        <translation>未校准</translation>
    </message>
</context>
<context>
    <name>ProblemsPanel</name>
    <message>
        <location filename="../../app/problems.py" line="118"/>
        <source>Not read</source>
        <translation>未读取</translation>
    </message>
    <message>
        <location filename="../../app/problems.py" line="119"/>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <location filename="../../app/problems.py" line="120"/>
        <source>Note</source>
        <translation>提示</translation>
    </message>
    <message>
        <location filename="../../app/problems.py" line="127"/>
        <source>Every file was read.</source>
        <translation>所有文件均已读取。</translation>
    </message>
    <message>
        <location filename="../../app/problems.py" line="130"/>
        <source>{0} file(s) could not be read; {1} warning(s) or note(s)</source>
        <translation>{0} 个文件无法读取；{1} 条警告或提示</translation>
    </message>
    <message>
        <location filename="../../app/problems.py" line="137"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/problems.py" line="137"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../app/problems.py" line="137"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../app/problems.py" line="138"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../app/problems.py" line="139"/>
        <source>Copy the selected problems, or all (Ctrl+C)</source>
        <translation>复制所选问题，或全部复制（Ctrl+C）</translation>
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
        <location filename="../../app/viewport.py" line="330"/>
        <source>Annotation</source>
        <translation>标注</translation>
    </message>
    <message>
        <location filename="../../app/viewport.py" line="330"/>
        <source>Text:</source>
        <translation>文字：</translation>
    </message>
</context>
</TS>

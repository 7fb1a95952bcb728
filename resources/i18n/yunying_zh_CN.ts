<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
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
        <location filename="../../app/mainwindow.py" line="136"/>
        <source>Open &amp;Folder…</source>
        <translation>打开文件夹(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="140"/>
        <source>Open &amp;File, DICOMDIR or Zip…</source>
        <translation>打开文件、DICOMDIR 或 Zip(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="146"/>
        <source>Save &amp;Screenshot…</source>
        <translation>保存截图(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="150"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="335"/>
        <source>Layout {0}</source>
        <translation>布局 {0}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="167"/>
        <source>&amp;Fit to Window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="171"/>
        <source>Actual Pixels (1:1)</source>
        <translation>原始像素 (1:1)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="177"/>
        <source>Rotate &amp;Right</source>
        <translation>向右旋转(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="183"/>
        <source>Rotate &amp;Left</source>
        <translation>向左旋转(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="189"/>
        <source>Flip &amp;Horizontal</source>
        <translation>水平翻转(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="195"/>
        <source>Flip &amp;Vertical</source>
        <translation>垂直翻转(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="201"/>
        <source>&amp;Invert</source>
        <translation>反色(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="207"/>
        <source>&amp;Synchronize Scrolling</source>
        <translation>同步翻页(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="214"/>
        <source>&amp;Reference Lines</source>
        <translation>定位线(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="221"/>
        <source>Play/Pause &amp;Cine</source>
        <translation>播放/暂停电影(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="227"/>
        <source>Cine Faster</source>
        <translation>电影加速</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="233"/>
        <source>Cine Slower</source>
        <translation>电影减速</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="245"/>
        <source>&amp;Window/Level</source>
        <translation>窗宽窗位(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="246"/>
        <source>&amp;Zoom</source>
        <translation>缩放(&amp;Z)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="247"/>
        <source>&amp;Pan</source>
        <translation>平移(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="248"/>
        <source>Scroll (Drag)</source>
        <translation>拖动翻页</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="249"/>
        <source>Select/&amp;Edit</source>
        <translation>选择/编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="250"/>
        <source>&amp;Length</source>
        <translation>长度(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="251"/>
        <source>&amp;Angle</source>
        <translation>角度(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="252"/>
        <source>&amp;Ellipse ROI</source>
        <translation>椭圆 ROI(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="253"/>
        <source>Rectangle ROI</source>
        <translation>矩形 ROI</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="254"/>
        <source>Pixel &amp;Probe</source>
        <translation>像素探针(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="255"/>
        <source>Arro&amp;w</source>
        <translation>箭头(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="256"/>
        <source>&amp;Text</source>
        <translation>文字(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="261"/>
        <source>&amp;Delete Measurement</source>
        <translation>删除测量(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="267"/>
        <source>Clear All Measurements</source>
        <translation>清除全部测量</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="278"/>
        <source>Auto (File or Histogram)</source>
        <translation>自动（文件或直方图）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="298"/>
        <source>Language: System</source>
        <translation>语言：跟随系统</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="324"/>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="328"/>
        <source>&amp;About Yunying</source>
        <translation>关于云影(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="339"/>
        <source>{0} (W {1:g} / L {2:g})</source>
        <translation>{0}（窗宽 {1:g} / 窗位 {2:g}）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="385"/>
        <source>Yunying 云影 — Diagnostic Workstation</source>
        <translation>云影 Yunying — 诊断工作站</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="387"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="388"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="389"/>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="390"/>
        <source>W&amp;indow/Level</source>
        <translation>窗宽窗位(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="391"/>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="392"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="403"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="404"/>
        <source>Toolbar</source>
        <translation>工具栏</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="405"/>
        <source>Studies</source>
        <translation>检查</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="502"/>
        <source>Open DICOM Folder</source>
        <translation>打开 DICOM 文件夹</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="509"/>
        <source>Open DICOM File, DICOMDIR or Zip</source>
        <translation>打开 DICOM 文件、DICOMDIR 或 Zip</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="511"/>
        <source>DICOM, DICOMDIR or zip (*.dcm DICOMDIR *.zip *);;All files (*)</source>
        <translation>DICOM、DICOMDIR 或 zip (*.dcm DICOMDIR *.zip *);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="518"/>
        <source>Reading {0}…</source>
        <translation>正在读取 {0}…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="548"/>
        <source>{0} series found</source>
        <translation>找到 {0} 个序列</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="550"/>
        <source>{0} file(s) could not be read</source>
        <translation>{0} 个文件无法读取</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="579"/>
        <source>Cloud not available: {0}</source>
        <translation>医保影像云不可用：{0}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="619"/>
        <source>Opened {0}, {1}</source>
        <translation>已打开 {0}，{1}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="642"/>
        <source>Study {0} is not on this workstation; open it by its index code</source>
        <translation>检查 {0} 不在本工作站，请用检查索引码打开</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="721"/>
        <source>Cannot open</source>
        <translation>无法打开</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="724"/>
        <source>Cannot open: {0}</source>
        <translation>无法打开：{0}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="777"/>
        <source>No image</source>
        <translation>无图像</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="781"/>
        <source>Image {0}/{1} · W {2:.0f} L {3:.0f}</source>
        <translation>图像 {0}/{1} · 窗宽 {2:.0f} 窗位 {3:.0f}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="784"/>
        <source>No calibrated pixel spacing: measurements in pixels</source>
        <translation>像素间距未校准：测量以像素为单位</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="793"/>
        <source>Scroll images</source>
        <translation>翻页</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="793"/>
        <source>Mouse wheel, ↑ ↓ ← →, Page Up/Down, Home/End</source>
        <translation>鼠标滚轮、↑ ↓ ← →、Page Up/Down、Home/End</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="794"/>
        <source>Window/level</source>
        <translation>窗宽窗位</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="794"/>
        <source>Left drag (Window/Level tool)</source>
        <translation>左键拖动（窗宽窗位工具）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="795"/>
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="795"/>
        <source>Right drag, Ctrl + wheel</source>
        <translation>右键拖动、Ctrl + 滚轮</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="796"/>
        <source>Pan</source>
        <translation>平移</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="796"/>
        <source>Middle drag</source>
        <translation>中键拖动</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="797"/>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="797"/>
        <source>Double-click</source>
        <translation>双击</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="804"/>
        <source>Keyboard Shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="809"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="809"/>
        <source>Shortcut</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="829"/>
        <source>Yunying 云影 — diagnostic DICOM workstation. Not cleared for clinical use.</source>
        <translation>云影 Yunying — 诊断级 DICOM 影像工作站。尚未获准用于临床。</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="829"/>
        <source>About Yunying</source>
        <translation>关于云影</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="857"/>
        <source>Save Screenshot</source>
        <translation>保存截图</translation>
    </message>
</context>
<context>
    <name>Overlay</name>
    <message>
        <location filename="../../app/mainwindow.py" line="883"/>
        <source>Im</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="884"/>
        <source>Loc</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="885"/>
        <source>Thk</source>
        <translation>层厚</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="886"/>
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="887"/>
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
        <location filename="../../app/viewport.py" line="308"/>
        <source>Annotation</source>
        <translation>标注</translation>
    </message>
    <message>
        <location filename="../../app/viewport.py" line="308"/>
        <source>Text:</source>
        <translation>文字：</translation>
    </message>
</context>
</TS>

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ClipBoxDialog</name>
    <message>
        <location filename="../../app/mpr.py" line="58"/>
        <source>Clip box</source>
        <translation>裁切框</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="74"/>
        <source>Whole volume</source>
        <translation>整个容积</translation>
    </message>
</context>
<context>
    <name>CloudDialog</name>
    <message>
        <location filename="../../app/cloud.py" line="176"/>
        <source>Medical Insurance Imaging Cloud</source>
        <translation>医保影像云</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="177"/>
        <source>Scan or type the 78-character index code</source>
        <translation>扫描或输入 78 位检查索引码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="178"/>
        <source>Look Up</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="179"/>
        <source>Authorize by QR Code</source>
        <translation>扫码授权</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="180"/>
        <source>Patient ID number</source>
        <translation>患者身份证号</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="181"/>
        <source>Send SMS Code</source>
        <translation>发送短信验证码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="182"/>
        <source>Code from SMS</source>
        <translation>短信验证码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="183"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="184"/>
        <source>Open Exam</source>
        <translation>打开检查</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="185"/>
        <source>Planned exam:</source>
        <translation>拟开检查：</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="186"/>
        <source>Body part, e.g. CHEST</source>
        <translation>检查部位，如 CHEST</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="187"/>
        <source>Open It</source>
        <translation>打开该检查</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="190"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="191"/>
        <source>Modality</source>
        <translation>设备类型</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="192"/>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="193"/>
        <source>Hospital</source>
        <translation>医院</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="194"/>
        <source>Province</source>
        <translation>省份</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="195"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="228"/>
        <source>Invalid index code: {0}</source>
        <translation>索引码无效：{0}</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="230"/>
        <source>Looking up the code…</source>
        <translation>正在查询索引码…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="236"/>
        <source>Preparing the QR code…</source>
        <translation>正在生成二维码…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="244"/>
        <source>Ask the patient to scan the QR code and approve (code {0})</source>
        <translation>请患者扫描二维码并同意授权（验证码 {0}）</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="260"/>
        <source>QR code valid for {0}:{1:02d}</source>
        <extracomment>What an action does to the active viewport widget (an ``app.viewport.ViewportWidget``). makes the receiver of a study about to be fetched (decode while receiving): its ``attach(series_uid, counts)`` and ``offer(series_uid, path)`` are the retrieval&apos;s callbacks (any thread), ``end(ok)`` is called here once the fetch is over</extracomment>
        <translation>二维码有效期 {0}:{1:02d}</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="270"/>
        <source>Authorized by {0}; loading the exam list…</source>
        <translation>{0} 已授权，正在加载检查列表…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="281"/>
        <source>SMS code sent to {0}</source>
        <translation>短信验证码已发送至 {0}</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="286"/>
        <source>Send an SMS code first</source>
        <translation>请先发送短信验证码</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="309"/>
        <source>{0} exam(s)</source>
        <translation>{0} 项检查</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="333"/>
        <source>Duplicate-exam reminder: {0} similar exam(s) in the last {1} days; the latest on {2} at {3}. Consider opening it before ordering a new one.</source>
        <translation>重复检查提醒：近 {1} 天内已有 {0} 项相似检查，最近一次为 {2}（{3}）。开单前建议先调阅。</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="356"/>
        <source>Fetching {0}…</source>
        <translation>正在调阅 {0}…</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="395"/>
        <source>from this workstation&apos;s cache</source>
        <translation>来自本工作站缓存</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="396"/>
        <source>from the hospital front-end server</source>
        <translation>来自本院前置机</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="397"/>
        <source>from the provincial cloud</source>
        <translation>来自省级影像云</translation>
    </message>
    <message>
        <location filename="../../app/cloud.py" line="401"/>
        <source>{0} images in {1:.1f} s, {2}</source>
        <translation>{0} 幅图像，用时 {1:.1f} 秒，{2}</translation>
    </message>
</context>
<context>
    <name>ConsultConfirm</name>
    <message>
        <location filename="../../app/consult_confirm.py" line="39"/>
        <source>(no name given)</source>
        <translation>（未提供姓名）</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="49"/>
        <source>your name ({0}) and hospital</source>
        <translation>您的姓名（{0}）和医院</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="51"/>
        <source>no name</source>
        <translation>未设置姓名</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="52"/>
        <source>your annotations and measurements on this study</source>
        <translation>您在此检查上的批注和测量</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="53"/>
        <source>your mouse pointer over the images</source>
        <translation>您在图像上的鼠标指针</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="54"/>
        <source>your view (series, slice, window, zoom) while you present</source>
        <translation>您主讲时的视图（序列、层面、窗宽窗位、缩放）</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="57"/>
        <source>this study&apos;s images, fetched into this workstation&apos;s cache</source>
        <translation>此检查的图像（下载到本工作站的缓存）</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="58"/>
        <source>the others&apos; view, annotations and pointer</source>
        <translation>其他参与者的视图、批注和指针</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="61"/>
        <source>{0} invites this workstation to a consultation.</source>
        <translation>{0} 邀请本工作站参加会诊。</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="63"/>
        <source>Patient: {0}</source>
        <translation>患者：{0}</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="64"/>
        <source>Study: {0}</source>
        <translation>检查：{0}</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="65"/>
        <source>Study Instance UID: {0}</source>
        <translation>检查实例 UID：{0}</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="66"/>
        <source>The invitation expires in {0} minutes.</source>
        <translation>邀请将在 {0} 分钟后失效。</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="68"/>
        <source>Leaves this workstation once you are admitted:</source>
        <translation>获准加入后，将从本工作站发出：</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="70"/>
        <source>Comes to this workstation:</source>
        <translation>将传到本工作站：</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="92"/>
        <source>Join a consultation?</source>
        <translation>加入会诊？</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="105"/>
        <source>This workstation is in a consultation now ({0}). Joining ends it.</source>
        <translation>本工作站正在会诊中（{0}）。加入新会诊将结束当前会诊。</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="114"/>
        <source>Leave the current consultation</source>
        <translation>退出当前会诊</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="118"/>
        <source>Join</source>
        <translation>加入</translation>
    </message>
    <message>
        <location filename="../../app/consult_confirm.py" line="119"/>
        <source>Do not join</source>
        <translation>不加入</translation>
    </message>
</context>
<context>
    <name>Curved</name>
    <message>
        <location filename="../../viewer/render/curved.py" line="57"/>
        <source>a curved reformation needs at least two points</source>
        <extracomment>(colour as RGB 0-1, start, end) of one segment</extracomment>
        <translation>曲面重建至少需要两个点</translation>
    </message>
    <message>
        <location filename="../../viewer/render/curved.py" line="61"/>
        <source>the curve is shorter than one sample</source>
        <translation>曲线短于一个采样间距</translation>
    </message>
    <message>
        <location filename="../../viewer/render/curved.py" line="71"/>
        <source>the curve runs along the viewing direction somewhere; draw it in-plane</source>
        <translation>曲线有一段沿视线方向延伸；请在平面内绘制</translation>
    </message>
</context>
<context>
    <name>Export</name>
    <message>
        <location filename="../../app/export_dialog.py" line="158"/>
        <location filename="../../app/export_dialog.py" line="185"/>
        <location filename="../../app/export_dialog.py" line="195"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="161"/>
        <source>Study copy (DICOM, with DICOMDIR)</source>
        <translation>检查副本（DICOM，含 DICOMDIR）</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="162"/>
        <source>Images of the series (PNG/JPEG)</source>
        <translation>序列图像（PNG/JPEG）</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="163"/>
        <source>Series as a film (MP4)</source>
        <translation>序列影片（MP4）</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="167"/>
        <source>Anonymize (DICOM PS3.15 Basic Profile)</source>
        <translation>匿名化（DICOM PS3.15 基本配置）</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="170"/>
        <source>As one zip file</source>
        <translation>打包为一个 zip 文件</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="171"/>
        <source>Draw the measurements</source>
        <translation>绘制测量</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="179"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="189"/>
        <source>Image format</source>
        <translation>图像格式</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="190"/>
        <source>Frames per second</source>
        <translation>每秒帧数</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="191"/>
        <source>Save to</source>
        <translation>保存到</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="197"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="213"/>
        <source>Save Film</source>
        <translation>保存影片</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="217"/>
        <source>Save Zip</source>
        <translation>保存 zip</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="220"/>
        <source>Export Into Folder</source>
        <translation>导出到文件夹</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="232"/>
        <source>Choose where to save the export</source>
        <translation>请选择导出的保存位置</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="239"/>
        <source>No study is open</source>
        <translation>没有打开的检查</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="249"/>
        <source>{0} objects exported</source>
        <translation>已导出 {0} 个对象</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="254"/>
        <source>No image in the active viewport</source>
        <translation>当前视口没有图像</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="262"/>
        <source>{0} images exported</source>
        <translation>已导出 {0} 张图像</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="264"/>
        <source>Film of {0} frames exported</source>
        <translation>已导出 {0} 帧的影片</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="269"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="289"/>
        <source>Export cancelled; nothing was written</source>
        <translation>导出已取消，未写入任何文件</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="291"/>
        <source>Export failed: {0}</source>
        <translation>导出失败：{0}</translation>
    </message>
    <message>
        <location filename="../../app/export_dialog.py" line="297"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
</context>
<context>
    <name>Findings</name>
    <message>
        <location filename="../../app/findings_dialog.py" line="38"/>
        <source>Key images</source>
        <translation>关键图像</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="39"/>
        <source>Opinion (text report)</source>
        <translation>会诊意见（文本报告）</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="121"/>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="125"/>
        <source>The series it refers to is not open</source>
        <translation>其引用的序列未打开</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="129"/>
        <source>No viewport</source>
        <translation>没有视口</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="134"/>
        <source>Opening the series…</source>
        <translation>正在打开序列…</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="137"/>
        <source>Restored {0} measurement(s)</source>
        <translation>已恢复 {0} 个测量</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="185"/>
        <source>Findings</source>
        <translation>诊断发现</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="191"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="192"/>
        <source>Author</source>
        <translation>作者</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="193"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="194"/>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="195"/>
        <source>Written by</source>
        <translation>写入软件</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="203"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="220"/>
        <source>Yunying</source>
        <translation>云影</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="222"/>
        <source>other software</source>
        <translation>其他软件</translation>
    </message>
    <message>
        <location filename="../../app/findings_dialog.py" line="238"/>
        <source>Cannot open: {0}</source>
        <translation>无法打开：{0}</translation>
    </message>
    <message>
        <location filename="../../app/findings_consult.py" line="57"/>
        <source>A findings object is too large to share in a consultation</source>
        <extracomment>the largest object shared in one consultation message (the relay takes 64 KiB a message) the largest object accepted from another participant, inflated</extracomment>
        <translation>该诊断对象过大，无法在会诊中共享</translation>
    </message>
    <message>
        <location filename="../../app/findings_consult.py" line="71"/>
        <source>Open the study first</source>
        <translation>请先打开检查</translation>
    </message>
    <message>
        <location filename="../../app/findings_consult.py" line="78"/>
        <source>Consultation Opinion</source>
        <translation>会诊意见</translation>
    </message>
    <message>
        <location filename="../../app/findings_consult.py" line="79"/>
        <source>Opinion of {0}:</source>
        <translation>{0} 的意见：</translation>
    </message>
    <message>
        <location filename="../../app/findings_consult.py" line="88"/>
        <source>Opinion not saved: {0}</source>
        <translation>意见未保存：{0}</translation>
    </message>
    <message>
        <location filename="../../app/findings_consult.py" line="97"/>
        <source>Opinion saved</source>
        <translation>意见已保存</translation>
    </message>
    <message>
        <location filename="../../app/findings_consult.py" line="124"/>
        <source>A shared finding could not be kept: {0}</source>
        <translation>无法保存共享的诊断发现：{0}</translation>
    </message>
    <message>
        <location filename="../../app/findings_consult.py" line="127"/>
        <source>A participant shared findings</source>
        <translation>有参与者共享了诊断发现</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="143"/>
        <source>Reader Name</source>
        <translation>阅片医师姓名</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="144"/>
        <source>Your name, written into saved findings:</source>
        <translation>您的姓名（写入保存的诊断发现）：</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="185"/>
        <source>Key image</source>
        <translation>关键图像</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="219"/>
        <source>Key Image Title</source>
        <translation>关键图像标题</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="220"/>
        <source>Title of the key images (DICOM CID 7010):</source>
        <translation>关键图像的标题（DICOM CID 7010）：</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="286"/>
        <source>Findings saved: {0} object(s) by {1}</source>
        <translation>诊断发现已保存：{0} 个对象，作者 {1}</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="290"/>
        <source>Findings not saved: {0}</source>
        <translation>诊断发现未保存：{0}</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="293"/>
        <source>No measurements or key images to save</source>
        <translation>没有可保存的测量或关键图像</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="327"/>
        <source>Unsaved Findings</source>
        <translation>未保存的诊断发现</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="331"/>
        <source>Measurements or key images are not saved. Save them before closing?</source>
        <translation>测量或关键图像尚未保存。关闭前是否保存？</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="398"/>
        <source>Not sent: the open studies changed while connecting</source>
        <translation>未发送：连接期间打开的检查已改变</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="405"/>
        <source>No hospital front-end is configured</source>
        <translation>未配置医院前置机</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="412"/>
        <source>No saved findings to send</source>
        <translation>没有可发送的已保存诊断发现</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="418"/>
        <source>Sent {0} findings object(s) to the hospital</source>
        <translation>已向医院发送 {0} 个诊断对象</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="424"/>
        <source>Findings not sent: {0}</source>
        <translation>诊断发现未发送：{0}</translation>
    </message>
    <message>
        <location filename="../../app/findings_link.py" line="426"/>
        <source>Sending findings to the hospital…</source>
        <translation>正在向医院发送诊断发现…</translation>
    </message>
    <message>
        <location filename="../../viewer/state/findings.py" line="167"/>
        <source>the presentation state refers to none of these images</source>
        <translation>该显示状态不涉及这些图像中的任何一幅</translation>
    </message>
    <message>
        <location filename="../../viewer/state/findings.py" line="184"/>
        <source>a {0} refers to an image not in this series</source>
        <translation>有一个{0}测量引用了不在此序列中的图像</translation>
    </message>
</context>
<context>
    <name>Fusion</name>
    <message>
        <location filename="../../viewer/state/fusion.py" line="136"/>
        <source>same frame of reference</source>
        <translation>同一参考坐标系</translation>
    </message>
    <message>
        <location filename="../../viewer/state/fusion.py" line="141"/>
        <source>registered (mutual information): shift {0} mm, rotation {1}°, consistency {2} mm</source>
        <translation>已配准（互信息）：平移 {0} mm，旋转 {1}°，一致性 {2} mm</translation>
    </message>
    <message>
        <location filename="../../app/fusion_link.py" line="49"/>
        <source>Fuse With</source>
        <translation>融合</translation>
    </message>
    <message>
        <location filename="../../app/fusion_link.py" line="53"/>
        <source>Overlay:</source>
        <translation>叠加图像：</translation>
    </message>
    <message>
        <location filename="../../app/fusion_link.py" line="54"/>
        <source>Opacity:</source>
        <translation>不透明度：</translation>
    </message>
    <message>
        <location filename="../../app/fusion_link.py" line="55"/>
        <source>Transparent below:</source>
        <translation>低于此值透明：</translation>
    </message>
    <message>
        <location filename="../../app/fusion_link.py" line="64"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../app/fusion_link.py" line="115"/>
        <source>Nothing to fuse: open a PET, NM or MR series over a CT (or PET/NM over MR).</source>
        <translation>没有可融合的图像：请在 CT 上打开 PET、核医学或 MR 序列（或在 MR 上打开 PET/核医学序列）。</translation>
    </message>
</context>
<context>
    <name>Hanging</name>
    <message>
        <location filename="../../viewer/state/hanging.py" line="186"/>
        <source>no prior {0}</source>
        <translation>无第 {0} 个前片</translation>
    </message>
    <message>
        <location filename="../../viewer/state/hanging.py" line="212"/>
        <source>no series fits this viewport</source>
        <translation>没有适合此视口的序列</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="51"/>
        <source>Prior linked by the scanner&apos;s coordinates (same frame of reference)</source>
        <translation>前片按扫描仪坐标关联（同一参考坐标系）</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="55"/>
        <source>Prior linked by a point pair: shift {0} mm (rotation not corrected)</source>
        <translation>前片按点对关联：平移 {0} mm（未校正旋转）</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="60"/>
        <source>Prior registered: shift {0} mm, rotation {1:.1f}°, consistency {2:.1f} mm</source>
        <translation>前片已配准：平移 {0} mm，旋转 {1:.1f}°，一致性 {2:.1f} mm</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="65"/>
        <source>doubtful: check the alignment or align by a point pair</source>
        <translation>存疑：请核对对齐，或用点对对齐</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="178"/>
        <source>Protocol: {0}</source>
        <translation>挂片协议：{0}</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="182"/>
        <source>Protocol available: {0} (Ctrl+] applies it)</source>
        <translation>可用挂片协议：{0}（按 Ctrl+] 应用）</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="191"/>
        <source>Registering the prior to today&apos;s exam…</source>
        <translation>正在将前片与本次检查配准…</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="192"/>
        <source>Exams not linked: {0}</source>
        <translation>检查未关联：{0}</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="219"/>
        <source>Save Arrangement as Protocol</source>
        <translation>将当前排列保存为挂片协议</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="220"/>
        <source>Protocol name:</source>
        <translation>协议名称：</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="234"/>
        <source>Cannot save the arrangement: {0}</source>
        <translation>无法保存排列：{0}</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="242"/>
        <source>Saved as protocol “{0}”</source>
        <translation>已保存为挂片协议“{0}”</translation>
    </message>
    <message>
        <location filename="../../app/hanging_link.py" line="261"/>
        <source>Point-pair alignment: click a landmark in today&apos;s exam, then the same in the prior</source>
        <translation>点对对齐：先在本次检查中点击一个解剖标志，再在前片中点击同一标志</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/actions.py" line="95"/>
        <source>Open &amp;Folder…</source>
        <translation>打开文件夹(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="97"/>
        <source>Open &amp;File, DICOMDIR or Zip…</source>
        <translation>打开文件、DICOMDIR 或 Zip(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="117"/>
        <source>Save &amp;Screenshot…</source>
        <translation>保存截图(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="119"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="86"/>
        <source>Layout {0}</source>
        <translation>布局 {0}</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="125"/>
        <source>&amp;Fit to Window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="101"/>
        <source>Start &amp;Consultation…</source>
        <translation>发起会诊(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="103"/>
        <source>&amp;Join Consultation…</source>
        <translation>加入会诊(&amp;J)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="127"/>
        <source>Actual Pixels (1:1)</source>
        <translation>原始像素 (1:1)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="129"/>
        <source>Rotate &amp;Right</source>
        <translation>向右旋转(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="131"/>
        <source>Rotate &amp;Left</source>
        <translation>向左旋转(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="133"/>
        <source>Flip &amp;Horizontal</source>
        <translation>水平翻转(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="135"/>
        <source>Flip &amp;Vertical</source>
        <translation>垂直翻转(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="137"/>
        <source>&amp;Invert</source>
        <translation>反色(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="139"/>
        <source>&amp;Synchronize Scrolling</source>
        <translation>同步翻页(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="145"/>
        <source>&amp;Reference Lines</source>
        <translation>定位线(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="162"/>
        <source>&amp;MPR / 3D</source>
        <translation>多平面重建/三维(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="164"/>
        <source>Play/Pause &amp;Cine</source>
        <translation>播放/暂停电影(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="166"/>
        <source>Cine Faster</source>
        <translation>电影加速</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="168"/>
        <source>Cine Slower</source>
        <translation>电影减速</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="70"/>
        <source>&amp;Window/Level</source>
        <translation>窗宽窗位(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="61"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="71"/>
        <source>&amp;Zoom</source>
        <translation>缩放(&amp;Z)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="72"/>
        <source>&amp;Pan</source>
        <translation>平移(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="73"/>
        <source>Scroll (Drag)</source>
        <translation>拖动翻页</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="74"/>
        <source>Select/&amp;Edit</source>
        <translation>选择/编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="75"/>
        <source>&amp;Length</source>
        <translation>长度(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="76"/>
        <source>&amp;Angle</source>
        <translation>角度(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="77"/>
        <source>&amp;Ellipse ROI</source>
        <translation>椭圆 ROI(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="78"/>
        <source>Rectangle ROI</source>
        <translation>矩形 ROI</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="79"/>
        <source>Pixel &amp;Probe</source>
        <translation>像素探针(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="80"/>
        <source>Arro&amp;w</source>
        <translation>箭头(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="81"/>
        <source>&amp;Text</source>
        <translation>文字(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="99"/>
        <source>&amp;Cloud…</source>
        <translation>医保影像云(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="106"/>
        <source>Save F&amp;indings</source>
        <translation>保存诊断发现(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="108"/>
        <source>Open Fi&amp;ndings…</source>
        <translation>打开诊断发现(&amp;N)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="110"/>
        <source>Send Findings to &amp;Hospital</source>
        <translation>发送诊断发现到医院(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="113"/>
        <source>Write Consultation &amp;Opinion…</source>
        <translation>撰写会诊意见(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="115"/>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="141"/>
        <source>Link &amp;Zoom and Pan</source>
        <translation>联动缩放与平移(&amp;Z)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="143"/>
        <source>Link &amp;Window/Level</source>
        <translation>联动窗宽窗位(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="147"/>
        <source>Patient &amp;Timeline</source>
        <translation>患者影像时间线(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="149"/>
        <source>Compare with &amp;Prior</source>
        <translation>与前片对比(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="151"/>
        <source>Next Hanging Stage</source>
        <translation>下一挂片阶段</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="153"/>
        <source>Previous Hanging Stage</source>
        <translation>上一挂片阶段</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="156"/>
        <source>Save Arrangement as Protocol…</source>
        <translation>将当前排列保存为挂片协议…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="158"/>
        <source>Align Prior by Point Pair</source>
        <translation>用点对对齐前片</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="160"/>
        <location filename="../../app/problems_link.py" line="41"/>
        <source>&amp;Problems…</source>
        <translation>问题列表(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="175"/>
        <source>&amp;Delete Measurement</source>
        <extracomment>Longest file name component and whole path accepted on the command line (bytes). &quot;&quot; always; &quot;image&quot;: the active viewport shows an image; &quot;cloud_study&quot;: a study from the cloud is open (a consultation shares one)</extracomment>
        <translation>删除测量(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="177"/>
        <source>Clear All Measurements</source>
        <translation>清除全部测量</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="180"/>
        <location filename="../../app/undo_link.py" line="94"/>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="182"/>
        <location filename="../../app/undo_link.py" line="99"/>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="184"/>
        <source>F&amp;use With…</source>
        <translation>融合(&amp;U)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="186"/>
        <source>&amp;Nearest-Neighbour Display</source>
        <translation>最近邻显示(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="188"/>
        <source>Next Sub-volume</source>
        <translation>下一个子容积</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="190"/>
        <source>Previous Sub-volume</source>
        <translation>上一个子容积</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="192"/>
        <source>DICOM &amp;Tags…</source>
        <translation>DICOM 标签(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="194"/>
        <source>Auto (File or Histogram)</source>
        <translation>自动（文件或直方图）</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="196"/>
        <source>Theme: Dark</source>
        <translation>主题：深色</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="198"/>
        <source>Theme: Light</source>
        <translation>主题：浅色</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="200"/>
        <source>Text &amp;Size…</source>
        <translation>文字大小(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="202"/>
        <source>&amp;Mouse Buttons…</source>
        <translation>鼠标按键(&amp;M)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="204"/>
        <source>Window &amp;Presets…</source>
        <translation>窗宽窗位预设(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="206"/>
        <source>&amp;Copy Image</source>
        <translation>复制图像(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="208"/>
        <source>Mark/Unmark &amp;Key Image</source>
        <translation>标记/取消关键图像(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="210"/>
        <source>&amp;Reader Name…</source>
        <translation>阅片医师姓名(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="212"/>
        <source>Key Image &amp;Title…</source>
        <translation>关键图像标题(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="214"/>
        <source>Language: System</source>
        <translation>语言：跟随系统</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="220"/>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="222"/>
        <source>&amp;About Yunying</source>
        <translation>关于云影(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="69"/>
        <location filename="../../app/mainwindow.py" line="293"/>
        <source>Yunying 云影 — Diagnostic Workstation</source>
        <translation>云影 Yunying — 诊断工作站</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="60"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="62"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="63"/>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="64"/>
        <source>W&amp;indow/Level</source>
        <translation>窗宽窗位(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="65"/>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/actions.py" line="66"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="295"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="296"/>
        <source>Toolbar</source>
        <translation>工具栏</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="297"/>
        <source>Studies</source>
        <translation>检查</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="333"/>
        <source>Open DICOM Folder</source>
        <translation>打开 DICOM 文件夹</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="340"/>
        <source>Open DICOM File, DICOMDIR or Zip</source>
        <translation>打开 DICOM 文件、DICOMDIR 或 Zip</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="342"/>
        <source>DICOM, DICOMDIR or zip (*.dcm DICOMDIR *.zip *);;All files (*)</source>
        <translation>DICOM、DICOMDIR 或 zip (*.dcm DICOMDIR *.zip *);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="220"/>
        <source>Reading {0}…</source>
        <translation>正在读取 {0}…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="67"/>
        <location filename="../../app/mainwindow.py" line="70"/>
        <source>Starting the viewer…</source>
        <translation>正在启动阅片器…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="245"/>
        <source>{0} series found</source>
        <translation>找到 {0} 个序列</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="247"/>
        <location filename="../../app/problems_link.py" line="37"/>
        <source>{0} file(s) could not be read</source>
        <translation>{0} 个文件无法读取</translation>
    </message>
    <message>
        <location filename="../../app/cloud_link.py" line="79"/>
        <source>this workstation is not set up ({0} is missing): run “yunying-cloud setup”</source>
        <translation>本工作站尚未设置（缺少 {0}）：请运行“yunying-cloud setup”</translation>
    </message>
    <message>
        <location filename="../../app/cloud_link.py" line="87"/>
        <source>Connecting to the cloud…</source>
        <translation>正在连接影像云…</translation>
    </message>
    <message>
        <location filename="../../app/cloud_link.py" line="131"/>
        <source>Failed: {0}</source>
        <translation>失败：{0}</translation>
    </message>
    <message>
        <location filename="../../app/cloud_link.py" line="146"/>
        <source>Cloud not available: {0}</source>
        <translation>医保影像云不可用：{0}</translation>
    </message>
    <message>
        <location filename="../../app/cloud_link.py" line="180"/>
        <source>Opened {0}, {1}</source>
        <translation>已打开 {0}，{1}</translation>
    </message>
    <message>
        <location filename="../../app/cloud_link.py" line="208"/>
        <source>Study {0} is not on this workstation; open it by its index code</source>
        <translation>检查 {0} 不在本工作站，请用检查索引码打开</translation>
    </message>
    <message>
        <location filename="../../app/cloud_link.py" line="230"/>
        <source>The audit log was not written: {0}</source>
        <translation>审计日志未写入：{0}</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="237"/>
        <source>Cannot open</source>
        <translation>无法打开</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="238"/>
        <source>Cannot open: {0}</source>
        <translation>无法打开：{0}</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="447"/>
        <source>No image</source>
        <translation>无图像</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="471"/>
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
        <location filename="../../app/consult_link.py" line="91"/>
        <source>Open a study from the cloud first: a consultation shares a cloud study.</source>
        <translation>请先从云端打开检查：会诊共享的是云端检查。</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="135"/>
        <location filename="../../app/consult_link.py" line="328"/>
        <source>Consultation refused: {0}</source>
        <translation>会诊被拒绝：{0}</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="124"/>
        <location filename="../../app/consult_link.py" line="309"/>
        <source>Consultation</source>
        <translation>会诊</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="97"/>
        <source>A consultation is being started.</source>
        <translation>正在发起会诊。</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="127"/>
        <source>Invitation code: {0}
Link: {1}
Valid for {2:.0f} minutes.</source>
        <translation>邀请码：{0}
链接：{1}
有效期 {2:.0f} 分钟。</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="139"/>
        <source>Starting the consultation…</source>
        <translation>正在发起会诊…</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="146"/>
        <source>Join Consultation</source>
        <translation>加入会诊</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="147"/>
        <source>Invitation code or link:</source>
        <translation>邀请码或链接：</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="158"/>
        <source>waiting to be admitted</source>
        <translation>等待主持方准入</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="160"/>
        <source>starting a consultation</source>
        <translation>正在发起会诊</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="176"/>
        <source>A consultation invitation is already waiting for your answer.</source>
        <translation>已有一个会诊邀请在等待您答复。</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="188"/>
        <location filename="../../app/consult_link.py" line="268"/>
        <source>Cannot join: {0}</source>
        <translation>无法加入：{0}</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="211"/>
        <source>Consultation invitation declined.</source>
        <translation>已拒绝会诊邀请。</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="219"/>
        <source>Not joined: this workstation is in a consultation now.</source>
        <translation>未加入：本工作站正在会诊中。</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="275"/>
        <source>Consultation: waiting for the host to admit this workstation…</source>
        <translation>会诊：等待主持方准许本工作站加入…</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="303"/>
        <source>{0} asks to join this consultation.</source>
        <translation>{0} 请求加入本次会诊。</translation>
    </message>
    <message>
        <location filename="../../app/consult_link.py" line="312"/>
        <source>Admit this workstation?</source>
        <translation>准许该工作站加入吗？</translation>
    </message>
    <message>
        <location filename="../../app/mpr_link.py" line="56"/>
        <source>MPR and 3D need a volume: open a CT, MR or PET series first.</source>
        <translation>多平面重建和三维需要容积数据：请先打开 CT、MR 或 PET 序列。</translation>
    </message>
    <message>
        <location filename="../../app/mpr_link.py" line="178"/>
        <source>Curved MPR ({0:.0f} mm)</source>
        <translation>曲面重建（{0:.0f} mm）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="435"/>
        <source>Save Screenshot</source>
        <translation>保存截图</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="295"/>
        <source>Consultation ended: {0}</source>
        <extracomment>how often the waiter for a full volume looks whether its study was given up (seconds) what the app keeps of a viewport beyond its model across a swap (undo, display)</extracomment>
        <translation>会诊已结束：{0}</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="302"/>
        <source>Consultation: connection lost, reconnecting…</source>
        <translation>会诊：连接中断，正在重连…</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="304"/>
        <source>Consultation: you are presenting</source>
        <translation>会诊：您正在主讲</translation>
    </message>
    <message>
        <location filename="../../app/consult.py" line="309"/>
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
    <name>Measure</name>
    <message>
        <location filename="../../viewer/dicom/measure.py" line="169"/>
        <source>mean {0} SD {1} {2}
min {3} max {4}
area {5}</source>
        <extracomment>the series fed to this assembler (set by :meth:`attach`; None: every instance) waiting for a decoder: arrivals not taken up, full decodes queued behind a reduced one Largest declared decoded frame (rows × columns × samples × bytes per sample). Largest series (all its frames as loaded in memory). Most frames one object may declare. Most bytes read (or inflated) to find the end of one header. Bytes read from the start of a file to decide whether it is DICOM at all. Slack allowed beyond what a header says its pixels need (trailing padding, odd encoders). Compressed pixel data may be at most this many times its decoded size (plus the margin). Points a measurement needs before it is complete.</extracomment>
        <translation>平均值 {0} 标准差 {1} {2}
最小值 {3} 最大值 {4}
面积 {5}</translation>
    </message>
</context>
<context>
    <name>MprPanel</name>
    <message>
        <location filename="../../app/mpr.py" line="218"/>
        <source>Slab:</source>
        <translation>层块：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="219"/>
        <source>3D:</source>
        <translation>三维：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="220"/>
        <source>Fusion:</source>
        <translation>融合：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="221"/>
        <source>Surface at:</source>
        <translation>表面阈值：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="222"/>
        <source>Step:</source>
        <translation>步长：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="223"/>
        <source>Shading</source>
        <translation>光照</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="224"/>
        <source>Clip at crosshair</source>
        <translation>在十字线处裁切</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="225"/>
        <source>Clip box…</source>
        <translation>裁切框…</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="226"/>
        <source>Export STL…</source>
        <translation>导出 STL…</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="227"/>
        <source>Reset planes</source>
        <translation>重置平面</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="229"/>
        <source>Crosshair</source>
        <translation>十字线</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="230"/>
        <source>Window/Level</source>
        <translation>窗宽/窗位</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="231"/>
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="232"/>
        <source>Pan</source>
        <translation>平移</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="233"/>
        <source>Scroll</source>
        <translation>翻页</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="234"/>
        <source>Length</source>
        <translation>长度</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="235"/>
        <source>Angle</source>
        <translation>角度</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="236"/>
        <source>Ellipse ROI</source>
        <translation>椭圆 ROI</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="237"/>
        <source>Rectangle ROI</source>
        <translation>矩形 ROI</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="238"/>
        <source>Probe</source>
        <translation>探针</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="239"/>
        <source>Arrow</source>
        <translation>箭头</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="240"/>
        <source>Text</source>
        <translation>文字</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="241"/>
        <source>Curved MPR</source>
        <translation>曲面重建</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="244"/>
        <location filename="../../app/mpr.py" line="256"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="245"/>
        <source>MIP</source>
        <translation>最大密度投影</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="246"/>
        <source>MinIP</source>
        <translation>最小密度投影</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="247"/>
        <source>Average</source>
        <translation>平均</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="342"/>
        <source>Note</source>
        <translation>注释</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="342"/>
        <source>Annotation</source>
        <translation>标注</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="342"/>
        <source>Text:</source>
        <translation>文字：</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="354"/>
        <source>Export STL</source>
        <translation>导出 STL</translation>
    </message>
    <message>
        <location filename="../../app/mpr.py" line="359"/>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
</context>
<context>
    <name>MprViewWidget</name>
    <message>
        <location filename="../../app/mpr_views.py" line="151"/>
        <source>Measurement</source>
        <extracomment>what the toolbar&apos;s drag tools do in an MPR view (measurement tools and the curve are themselves)</extracomment>
        <translation>测量</translation>
    </message>
</context>
<context>
    <name>Overlay</name>
    <message>
        <location filename="../../app/mainwindow.py" line="470"/>
        <location filename="../../viewer/render/slice_view.py" line="323"/>
        <source>Im</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="471"/>
        <location filename="../../viewer/render/mpr_view.py" line="398"/>
        <location filename="../../viewer/render/slice_view.py" line="324"/>
        <source>Loc</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="472"/>
        <location filename="../../viewer/render/slice_view.py" line="325"/>
        <source>Thk</source>
        <translation>层厚</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="473"/>
        <location filename="../../viewer/render/slice_view.py" line="344"/>
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="474"/>
        <location filename="../../viewer/render/slice_view.py" line="336"/>
        <source>uncalibrated</source>
        <translation>未校准</translation>
    </message>
    <message>
        <location filename="../../viewer/render/mpr_view.py" line="65"/>
        <source>Axial</source>
        <translation>轴位</translation>
    </message>
    <message>
        <location filename="../../viewer/render/mpr_view.py" line="66"/>
        <source>Coronal</source>
        <translation>冠状位</translation>
    </message>
    <message>
        <location filename="../../viewer/render/mpr_view.py" line="67"/>
        <source>Sagittal</source>
        <translation>矢状位</translation>
    </message>
    <message>
        <location filename="../../viewer/render/mpr_view.py" line="72"/>
        <source>Avg</source>
        <translation>平均</translation>
    </message>
    <message>
        <location filename="../../viewer/render/mpr_view.py" line="381"/>
        <source>oblique</source>
        <extracomment>patient LPS mm → the overlay&apos;s volume-space mm (its shared vtkImageData&apos;s world) the plane at the overlay&apos;s resolution: where is it visible (not transparent)? the plane at the base slice&apos;s pixels over the box where it is visible, coloured in the same pass the base view&apos;s whole image (its slices over the base volume&apos;s memory): only the shown slice is coloured (the filter is asked for that slice alone) threads of the filters that run over the slice on every new slice, chosen by timing the base slice&apos;s colours for the quad (RGBA; not blended into, unlike the CPU&apos;s) the shown slice blended (its extent and spacing; its scalars: the coloured slice, blended in place) what the shown image holds (base and overlay generation times, slice, box) when the base colours (``base_colors``&apos; output) were last blended into, in place: while their update time is that, they hold an overlay and are coloured again first the same drawn by the graphics pipeline in one pass, where it can be (:mod:`viewer.render.fusion_quad`); ``gpu`` False: always blended here the box of the plane (mm: x0, x1, y0, y1) out of which the overlay is transparent the reslice axes (one matrix, refilled per slice) and patient → overlay volume space through the fusion&apos;s transform (kept while the transform does not change) the box of each plane seen (key: the plane, its extent and the threshold), so that scrolling back over slices seen costs nothing; bounded the box of each overlay slice&apos;s visible voxels (key: slice, threshold); bounded raw overlay value from which it is drawn (the threshold); below it, transparent its shader has run (VTK announces each use of a compiled program; a driver that cannot compile it never does) place → (RGBA rows from the bottom, offset of its lower-left pixel from the anchor) Crosshair colour of each plane (as in 3D Slicer: red axial, green coronal, yellow sagittal). a VOI LUT the reader picked and the volume it was picked on (:mod:`viewer.render.voi`) values shown in (SUV for PET in SUV: one factor for a plane that may cross slices) colour map (resources/colormaps id) and invert of this view; None table = plain grey None: a colour bar when the map is not plain grey or an overlay is fused; else forced the corner lines around the location, kept while their inputs stay</extracomment>
        <translation>斜位</translation>
    </message>
    <message>
        <location filename="../../viewer/render/mpr_view.py" line="391"/>
        <location filename="../../viewer/render/slice_view.py" line="310"/>
        <source>Fusion</source>
        <translation>融合</translation>
    </message>
    <message>
        <location filename="../../viewer/render/vr.py" line="248"/>
        <source>shaded</source>
        <translation>明暗</translation>
    </message>
    <message>
        <location filename="../../viewer/render/vr.py" line="249"/>
        <source>unshaded</source>
        <translation>无明暗</translation>
    </message>
    <message>
        <location filename="../../viewer/state/viewport.py" line="211"/>
        <source>uncalibrated: only Imager Pixel Spacing (at the detector) is known</source>
        <translation>未校准：仅知探测器处的成像像素间距（Imager Pixel Spacing）</translation>
    </message>
    <message>
        <location filename="../../viewer/state/viewport.py" line="215"/>
        <source>uncalibrated: no pixel spacing; measurements in pixels</source>
        <translation>未校准：无像素间距，测量以像素为单位</translation>
    </message>
    <message>
        <location filename="../../viewer/render/slice_view.py" line="333"/>
        <source>reconstructed</source>
        <translation>重建</translation>
    </message>
    <message>
        <location filename="../../viewer/render/overlay.py" line="50"/>
        <source>Reduced resolution (1/{0})</source>
        <extracomment>over a volume shown at 1/2**level of its pixels each way that will not be refined</extracomment>
        <translation>降低分辨率（1/{0}）</translation>
    </message>
    <message>
        <location filename="../../viewer/render/overlay.py" line="52"/>
        <source>Reduced resolution (1/{0}) — refining…</source>
        <extracomment>over a volume shown at 1/2**level of its pixels each way until it is refined</extracomment>
        <translation>降低分辨率（1/{0}）— 正在细化…</translation>
    </message>
    <message>
        <location filename="../../viewer/render/overlay.py" line="298"/>
        <source>no SUV: {0}</source>
        <extracomment>overlay text size × this (Settings → Text Size, for HiDPI screens); set by the app characters per line of the reason a PET is not shown in SUV (wrapped, at most 4 lines)</extracomment>
        <translation>非 SUV：{0}</translation>
    </message>
    <message>
        <location filename="../../viewer/render/voi.py" line="46"/>
        <source>VOI LUT: {0}</source>
        <translation>VOI LUT：{0}</translation>
    </message>
</context>
<context>
    <name>Preferences</name>
    <message>
        <location filename="../../app/prefs_link.py" line="45"/>
        <source>Active tool</source>
        <extracomment>the button/modifier combinations the mouse dialog offers</extracomment>
        <translation>当前工具</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="46"/>
        <source>Window/level</source>
        <translation>窗宽/窗位</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="47"/>
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="48"/>
        <source>Pan</source>
        <translation>平移</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="49"/>
        <source>Scroll slices / move plane</source>
        <translation>翻页 / 移动平面</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="50"/>
        <source>Move crosshair (MPR)</source>
        <translation>移动十字线（MPR）</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="51"/>
        <source>Turn crosshair (MPR)</source>
        <translation>旋转十字线（MPR）</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="52"/>
        <source>Nothing</source>
        <translation>无操作</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="59"/>
        <source>left button</source>
        <translation>左键</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="60"/>
        <source>middle button</source>
        <translation>中键</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="61"/>
        <source>right button</source>
        <translation>右键</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="62"/>
        <source>wheel</source>
        <translation>滚轮</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="74"/>
        <source>Mouse Buttons</source>
        <translation>鼠标按键</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="106"/>
        <source>Window Presets</source>
        <translation>窗宽窗位预设</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="113"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="114"/>
        <source>Centre</source>
        <translation>窗位</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="115"/>
        <source>Width</source>
        <translation>窗宽</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="119"/>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="120"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="136"/>
        <source>New preset</source>
        <translation>新预设</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="245"/>
        <source>Text Size</source>
        <translation>文字大小</translation>
    </message>
    <message>
        <location filename="../../app/prefs_link.py" line="246"/>
        <source>Text size:</source>
        <translation>文字大小：</translation>
    </message>
</context>
<context>
    <name>Problems</name>
    <message>
        <location filename="../../viewer/dicom/grouping.py" line="60"/>
        <source>same SOP Instance UID as {0}, which looks more intact and is shown</source>
        <translation>与 {0} 的 SOP 实例 UID 相同，后者更完整，已显示后者</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/scan.py" line="79"/>
        <source>empty file (0 bytes)</source>
        <translation>空文件（0 字节）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/scan.py" line="114"/>
        <source>no Pixel Data: the file ends after its header (truncated?)</source>
        <translation>无像素数据：文件在头部之后结束（被截断？）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/scan.py" line="120"/>
        <source>no image description ({0} without Rows/Columns): the file is truncated or corrupt</source>
        <translation>无图像描述（{0} 缺少 Rows/Columns）：文件被截断或已损坏</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/scan.py" line="133"/>
        <source>file truncated: its pixels need {0} bytes, only {1} are present</source>
        <translation>文件被截断：像素需要 {0} 字节，实际只有 {1} 字节</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/scan.py" line="227"/>
        <source>Pixel Spacing {0} mm is not positive: the image is not calibrated (no distances, not placed in 3D)</source>
        <translation>像素间距 Pixel Spacing {0} mm 不是正数：图像未校准（不能测距，不能在三维中定位）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/scan.py" line="250"/>
        <source>{0} {1} is not a number; taken as {2}</source>
        <translation>{0} {1} 不是数字；按 {2} 处理</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/scan.py" line="261"/>
        <source>{0} is {1}; taken as {2}, so the values shown may not be in the modality&apos;s units</source>
        <translation>{0} 为 {1}；按 {2} 处理，显示的数值可能不是该模态的单位</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/scan.py" line="471"/>
        <source>unreadable DICOM header ({0})</source>
        <translation>DICOM 文件头无法读取（{0}）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/scan.py" line="481"/>
        <source>no image in this object ({0}); not shown</source>
        <translation>此对象中没有图像（{0}）；不显示</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/stack.py" line="102"/>
        <source>palette colour image cannot be decoded ({0})</source>
        <translation>调色板彩色图像无法解码（{0}）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/sources.py" line="32"/>
        <source>a named pipe (FIFO)</source>
        <translation>命名管道（FIFO）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/sources.py" line="34"/>
        <source>a socket</source>
        <translation>套接字</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/sources.py" line="36"/>
        <source>a character device</source>
        <translation>字符设备</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/sources.py" line="38"/>
        <source>a block device</source>
        <translation>块设备</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/sources.py" line="40"/>
        <source>a folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/sources.py" line="43"/>
        <source>not a regular file</source>
        <translation>不是普通文件</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/sources.py" line="50"/>
        <location filename="../../viewer/dicom/walk.py" line="69"/>
        <source>{0}, not a file: not read</source>
        <extracomment>How many folders above a DICOMDIR its file IDs may start from (CD burners that put the DICOMDIR in a subfolder still write IDs from the medium&apos;s root).</extracomment>
        <translation>{0}，不是文件：未读取</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="26"/>
        <location filename="../../viewer/dicom/walk.py" line="27"/>
        <source>an Excel workbook</source>
        <extracomment>Zip-based document formats: never DICOM archives.</extracomment>
        <translation>Excel 工作簿</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="28"/>
        <source>a Word document</source>
        <translation>Word 文档</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="29"/>
        <source>a PowerPoint presentation</source>
        <translation>PowerPoint 演示文稿</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="30"/>
        <location filename="../../viewer/dicom/walk.py" line="31"/>
        <location filename="../../viewer/dicom/walk.py" line="32"/>
        <source>an OpenDocument file</source>
        <translation>OpenDocument 文件</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="33"/>
        <source>an e-book</source>
        <translation>电子书</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="34"/>
        <location filename="../../viewer/dicom/walk.py" line="173"/>
        <source>a Java archive</source>
        <translation>Java 归档</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="35"/>
        <source>an Android package</source>
        <translation>Android 安装包</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="36"/>
        <source>a Python wheel</source>
        <translation>Python 安装包</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="37"/>
        <source>a map file</source>
        <translation>地图文件</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="38"/>
        <source>a 3D-print file</source>
        <translation>3D 打印文件</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="77"/>
        <source>no such file or folder</source>
        <translation>文件或文件夹不存在</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="79"/>
        <source>the file name is too long for this system</source>
        <translation>文件名对本系统而言过长</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="81"/>
        <source>a loop of symbolic links</source>
        <translation>符号链接形成循环</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="83"/>
        <source>permission denied</source>
        <translation>没有权限</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="83"/>
        <source>cannot be read ({0})</source>
        <translation>无法读取（{0}）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="137"/>
        <source>a zip archive holding no DICOM objects</source>
        <translation>不含 DICOM 对象的 zip 压缩包</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="139"/>
        <source>not a readable zip archive ({0})</source>
        <translation>无法读取的 zip 压缩包（{0}）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="143"/>
        <source>not DICOM ({0}); skipped</source>
        <translation>不是 DICOM（{0}）；已跳过</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="169"/>
        <source>an Office document</source>
        <translation>Office 文档</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="171"/>
        <source>an OpenDocument or e-book file</source>
        <translation>OpenDocument 或电子书文件</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="201"/>
        <source>unreadable DICOMDIR ({0}); its folder was scanned instead</source>
        <translation>DICOMDIR 无法读取（{0}）；已改为扫描其所在文件夹</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="214"/>
        <source>listed in DICOMDIR (record {0}) but missing</source>
        <translation>DICOMDIR 中列出（第 {0} 条记录）但文件缺失</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="219"/>
        <source>file ID leads outside the medium (a link); ignored</source>
        <translation>文件 ID 指向介质之外（链接）；已忽略</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="236"/>
        <source> and {0} more</source>
        <translation> 等另外 {0} 个</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="238"/>
        <source>{0} of the {1} files it lists are missing ({2})</source>
        <translation>其列出的 {1} 个文件中缺失 {0} 个（{2}）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="243"/>
        <source>it lists no files</source>
        <translation>其中未列出任何文件</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="245"/>
        <source>DICOMDIR: {0}; its folder was scanned instead</source>
        <translation>DICOMDIR：{0}；已改为扫描其所在文件夹</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="265"/>
        <source>unreadable record ({0})</source>
        <translation>记录无法读取（{0}）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="272"/>
        <source>file ID {0} {1}; ignored</source>
        <translation>文件 ID {0} {1}；已忽略</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="288"/>
        <source>is empty or has an empty component</source>
        <translation>为空或含空的组成部分</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="291"/>
        <source>leaves the medium&apos;s folder</source>
        <translation>超出了介质的文件夹</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="293"/>
        <source>has a component too long for a file name</source>
        <translation>有组成部分超过文件名长度</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/walk.py" line="295"/>
        <source>is nested too deep</source>
        <translation>嵌套过深</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/decode.py" line="127"/>
        <source>cannot read pixels ({0})</source>
        <extracomment>Modules with a ``register(subparsers)`` function, imported when the parser is built. Older names kept working (the MPR fusion used to say &quot;hot&quot;).</extracomment>
        <translation>无法读取像素（{0}）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/header.py" line="106"/>
        <source>not a DICOM file ({0} bytes, no DICOM header)</source>
        <extracomment>Groups a dataset without preamble may plausibly start with (little and big endian). Values larger than this are skipped while parsing and read only if used (while the stream is still open: see :func:`viewer.dicom.scan.read_header`).</extracomment>
        <translation>不是 DICOM 文件（{0} 字节，无 DICOM 文件头）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/header.py" line="114"/>
        <source>not a DICOM file (only zero bytes)</source>
        <translation>不是 DICOM 文件（全为零字节）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/header.py" line="115"/>
        <location filename="../../viewer/dicom/header.py" line="155"/>
        <source>not a DICOM file (no preamble and no DICOM header)</source>
        <translation>不是 DICOM 文件（无前导码，也无 DICOM 文件头）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/header.py" line="138"/>
        <source>not a DICOM file (nothing but zero bytes after the file header)</source>
        <translation>不是 DICOM 文件（文件头之后全为零字节）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/header.py" line="169"/>
        <source>file ends inside its header: {0} (truncated or corrupt)</source>
        <translation>文件在头部中途结束：{0}（被截断或已损坏）</translation>
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
    <name>Reading</name>
    <message>
        <location filename="../../app/reading.py" line="160"/>
        <source>3D ellipsoid ({ml} ml): {label}max {max} · {label}peak {peak} · {label}mean {mean} {unit}</source>
        <translation>三维椭球（{ml} ml）：{label}max {max} · {label}peak {peak} · {label}mean {mean} {unit}</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="191"/>
        <source>File window {0}</source>
        <translation>文件窗 {0}</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="196"/>
        <source>VOI LUT: {0}</source>
        <translation>VOI LUT：{0}</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="226"/>
        <source>{0} (W {1} / L {2}{3})</source>
        <translation>{0}（窗宽 {1} / 窗位 {2}{3}）</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="235"/>
        <source>Edit Presets…</source>
        <translation>编辑预设…</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="344"/>
        <source>Volume </source>
        <translation>容积 </translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="355"/>
        <location filename="../../app/reading.py" line="363"/>
        <source>This series has one volume.</source>
        <translation>此序列只有一个容积。</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="396"/>
        <source>This image has no DICOM header.</source>
        <translation>此图像没有 DICOM 头。</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="414"/>
        <location filename="../../app/reading.py" line="421"/>
        <source>Clear All</source>
        <translation>全部清除</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="429"/>
        <location filename="../../app/reading.py" line="435"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="457"/>
        <source>MPR {0} · {1}</source>
        <translation>MPR {0} · {1}</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="462"/>
        <source>Image {0}/{1} · {2}</source>
        <translation>图像 {0}/{1} · {2}</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="472"/>
        <source>{0} — no SUV: {1}</source>
        <translation>{0} — 无 SUV：{1}</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="478"/>
        <source>Colour &amp;Map</source>
        <translation>伪彩(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../app/reading.py" line="479"/>
        <source>SU&amp;V Kind</source>
        <translation>SUV 类型(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/undo_link.py" line="91"/>
        <source>&amp;Undo {0}</source>
        <translation>撤销 {0}(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../app/undo_link.py" line="96"/>
        <source>&amp;Redo {0}</source>
        <translation>重做 {0}(&amp;R)</translation>
    </message>
</context>
<context>
    <name>SUV</name>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="154"/>
        <source>Patient&apos;s Weight (0010,1030) {0} read as grams</source>
        <extracomment>``frame_factors[kind][sop_instance_uid]``: one factor per frame, for a multi-frame instance whose frames differ (an Enhanced PET not decay corrected); such an instance is then absent from ``factors``</extracomment>
        <translation>患者体重 Patient&apos;s Weight (0010,1030) {0} 按克读取</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="161"/>
        <source>{0} of {1} is not a plausible weight in kg</source>
        <translation>{0} 为 {1}，不是合理的体重（kg）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="169"/>
        <source>Patient&apos;s Size (0010,1020) {0} read as centimetres</source>
        <translation>患者身高 Patient&apos;s Size (0010,1020) {0} 按厘米读取</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="176"/>
        <source>{0} of {1} m is not a plausible size</source>
        <translation>{0} 为 {1} m，不是合理的身高</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="187"/>
        <source>Patient&apos;s Weight (0010,1030)</source>
        <translation>患者体重 Patient&apos;s Weight (0010,1030)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="188"/>
        <source>Patient&apos;s Size (0010,1020)</source>
        <translation>患者身高 Patient&apos;s Size (0010,1020)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="189"/>
        <source>Patient&apos;s Sex (0010,0040) as M or F</source>
        <translation>患者性别 Patient&apos;s Sex (0010,0040)（M 或 F）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="216"/>
        <source>{0} (needed for {1})</source>
        <translation>{0}（计算 {1} 需要）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="223"/>
        <source>{0} is missing (needed for {1})</source>
        <translation>缺少 {0}（计算 {1} 需要）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="225"/>
        <source>{0} are missing (needed for {1})</source>
        <translation>缺少 {0}（计算 {1} 需要）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="226"/>
        <source> and </source>
        <translation>和</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="247"/>
        <source>{0} formula gives {1} kg for this weight and size</source>
        <translation>按此体重和身高，{0} 公式得到 {1} kg</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="260"/>
        <source>Corrected Image (0028,0051) is missing</source>
        <translation>缺少 Corrected Image (0028,0051)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="266"/>
        <source>Corrected Image (0028,0051) lacks ATTN (not attenuation corrected)</source>
        <translation>Corrected Image (0028,0051) 不含 ATTN（未做衰减校正）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="271"/>
        <source>Corrected Image (0028,0051) lacks DECY although Decay Correction is {0}</source>
        <translation>Decay Correction 为 {0}，但 Corrected Image (0028,0051) 不含 DECY</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="280"/>
        <source>Decay Correction (0054,1102) is missing</source>
        <translation>缺少 Decay Correction (0054,1102)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="283"/>
        <source>Decay Correction (0054,1102) {0} is not supported</source>
        <translation>不支持 Decay Correction (0054,1102) {0}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="306"/>
        <source>Acquisition Date/Time (0008,0022/0032) is missing (Decay Correction NONE)</source>
        <translation>缺少 Acquisition Date/Time (0008,0022/0032)（Decay Correction 为 NONE）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="313"/>
        <source>Actual Frame Duration (0018,1242) is missing (Decay Correction NONE)</source>
        <translation>缺少 Actual Frame Duration (0018,1242)（Decay Correction 为 NONE）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="336"/>
        <source>Units are CNTS without Philips SUV Scale Factor (7053,1000) or Activity Concentration Scale Factor (7053,1009)</source>
        <translation>Units 为 CNTS，但没有 Philips SUV Scale Factor (7053,1000) 或 Activity Concentration Scale Factor (7053,1009)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="338"/>
        <source>Units (0054,1001) {0} cannot be converted to SUV</source>
        <translation>Units (0054,1001) {0} 无法换算为 SUV</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="376"/>
        <source>{0} differs between images of the series</source>
        <extracomment>Attributes every image of a series must agree on (name, getter).</extracomment>
        <translation>序列内各图像的 {0} 不一致</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="434"/>
        <source>no images</source>
        <translation>无图像</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="443"/>
        <source>Units (0054,1001) is missing</source>
        <translation>缺少 Units (0054,1001)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="388"/>
        <source>SUV Type (0054,1006) {0} is not known</source>
        <translation>未知的 SUV Type (0054,1006) {0}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="397"/>
        <source>SUV Type (0054,1006) {0} disagrees with Units (0054,1001) {1}</source>
        <translation>SUV Type (0054,1006) {0} 与 Units (0054,1001) {1} 不符</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="401"/>
        <source>SUV Type (0054,1006) missing; {0} assumed</source>
        <translation>缺少 SUV Type (0054,1006)；按 {0} 处理</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="406"/>
        <source>SUV Type (0054,1006) LBM read as James&apos;s formula, LBMJAMES128</source>
        <translation>SUV Type (0054,1006) LBM 按 James 公式（LBMJAMES128）读取</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="413"/>
        <source>stored as {0}: {1}</source>
        <translation>以 {0} 存储：{1}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="41"/>
        <source>Radionuclide Total Dose (0018,1074) is missing</source>
        <translation>缺少注射剂量 Radionuclide Total Dose (0018,1074)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="46"/>
        <source>Radionuclide Total Dose (0018,1074) of {0} is not a positive dose</source>
        <translation>注射剂量 Radionuclide Total Dose (0018,1074) 为 {0}，不是正数</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="63"/>
        <source>Radionuclide Total Dose {0} read as MBq</source>
        <translation>注射剂量 Radionuclide Total Dose {0} 按 MBq 读取</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="58"/>
        <source>Radionuclide Total Dose (0018,1074) of {0} is implausible in Bq or MBq</source>
        <translation>注射剂量 Radionuclide Total Dose (0018,1074) 为 {0}，按 Bq 或 MBq 都不合理</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="78"/>
        <source>Radionuclide Half Life (0018,1075) is missing</source>
        <translation>缺少半衰期 Radionuclide Half Life (0018,1075)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="83"/>
        <source>Radionuclide Half Life (0018,1075) of {0} s is not a half-life</source>
        <translation>半衰期 Radionuclide Half Life (0018,1075) 为 {0} s，不是有效的半衰期</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="97"/>
        <source>Siemens Decay Correction DateTime (0071,1022) {0} is not valid</source>
        <translation>Siemens Decay Correction DateTime (0071,1022) {0} 无效</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="101"/>
        <source>decay corrected to Siemens Decay Correction DateTime (0071,1022)</source>
        <translation>衰减校正到 Siemens Decay Correction DateTime (0071,1022)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="117"/>
        <source>Series Time after Acquisition Time: GE scan date-time (0009,100D) used</source>
        <translation>序列时间晚于采集时间：使用 GE 扫描日期时间 (0009,100D)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="124"/>
        <source>Series Time after Acquisition Time: the earliest Acquisition Time used</source>
        <translation>序列时间晚于采集时间：使用最早的采集时间</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="128"/>
        <source>Series Date/Time (0008,0021/0031) and Acquisition Date/Time are missing</source>
        <translation>缺少 Series Date/Time (0008,0021/0031) 和 Acquisition Date/Time</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="156"/>
        <source>{0} {1} is not valid</source>
        <extracomment>IBSI: a Start DateTime more than an hour after, or two half-lives or more before, the reference time has an unreliable date (e.g. de-identified); only its time of day is used. IBSI: a time of day places the injection only for half-lives below 11.5 h (uptake &lt; 1 day).</extracomment>
        <translation>{0} {1} 无效</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="162"/>
        <source>the time of day of {0}</source>
        <translation>{0} 中的时刻</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="167"/>
        <source>{0} {1} lies {2} h before the scan: its time of day used, on the scan&apos;s day</source>
        <translation>{0} {1} 在扫描前 {2} 小时：改用其时刻，日期取扫描当日</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="171"/>
        <source>{0} {1} lies {2} h after the scan: its time of day used, on the scan&apos;s day</source>
        <translation>{0} {1} 在扫描后 {2} 小时：改用其时刻，日期取扫描当日</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="176"/>
        <source>{0} and Start Time (0018,1072) are missing</source>
        <translation>缺少 {0} 和 Start Time (0018,1072)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="185"/>
        <source>{0} is missing or disagrees with the scan date, and with a half-life of {1} h a time of day cannot date the injection</source>
        <translation>{0} 缺失或与扫描日期不符；半衰期为 {1} 小时，仅凭时刻无法确定注射时间</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="203"/>
        <source>{0} is {1} min after the scan</source>
        <extracomment>More half-lives than this between injection and scan means the dates are wrong.</extracomment>
        <translation>{0} 在扫描后 {1} 分钟</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="209"/>
        <source>{0} is {1} h before the scan ({2} half-lives): the dates are inconsistent</source>
        <translation>{0} 在扫描前 {1} 小时（{2} 个半衰期）：日期不一致</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/images.py" line="169"/>
        <source>{0} is not available</source>
        <extracomment>the acquired slice thickness (mm), kept when the volume is resampled onto another grid PET: the SUV scale per slice and units (see :mod:`viewer.dicom.quantity`) which sub-volume this is (&quot;Echo 2 (TE 30 ms)&quot;); empty for a series with one volume every sub-volume of the series in order (this one included), or empty: see :mod:`viewer.dicom.dimensions` 0 at full resolution; n &gt; 0: a preview at 1/2**n of the pixels each way in-plane (a JPEG 2000 reduced level, :mod:`viewer.dicom.progressive`), replaced once refined False once a reduced volume will not be refined (its study could not be fetched whole) PET: SUV factor per frame (see :mod:`viewer.dicom.quantity`)</extracomment>
        <translation>{0} 不可用</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/quantity.py" line="45"/>
        <source>header could not be read again ({0})</source>
        <translation>无法再次读取文件头（{0}）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/quantity.py" line="72"/>
        <source>an image of the volume has no SUV factor</source>
        <translation>容积中有图像没有 SUV 换算系数</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/quantity.py" line="128"/>
        <source>{0} is not PET</source>
        <extracomment>Offset and length of the native Pixel Data value in the object, when known. Implausible values found in the header (shown to the reader with the series). Size of the object in bytes, as seen by the scan. Where the dataset starts (after the File Meta Information); for a deflated object, the pixel offset counts from here in the inflated stream. Whether the object carries a Transfer Syntax UID in File Meta Information. the reduced level decoded first: 1/4 of the size each way (a 512² CT slice at 128²) a full volume predicted within this many seconds of the start needs no reduced pass (the target for a volume usable in MPR is 2 s; the rest is the prediction&apos;s margin) Modalities whose values may be SUV.</extracomment>
        <translation>{0} 不是 PET</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/quantity.py" line="130"/>
        <source>no SUV for this volume: {0}</source>
        <translation>此容积没有 SUV：{0}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/quantity.py" line="174"/>
        <source>the region is empty</source>
        <extracomment>Sphere volume for SUVpeak (ml); its radius in mm. At most this many tied hottest voxels are tried as SUVpeak centres (the first, k-j-i order).</extracomment>
        <translation>区域为空</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="105"/>
        <source>{0} per-frame functional groups for {1} frames</source>
        <extracomment>UCUM code (CID 84 &quot;PET Units&quot;) → (Units as in (0054,1001), SUV Type as in (0054,1006)).</extracomment>
        <translation>{0} 个逐帧功能组，而帧数为 {1}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="149"/>
        <source>Real World Value Slope/Intercept (0040,9225/9224) and Rescale Slope/Intercept (0028,1053/1052) disagree by an offset</source>
        <translation>Real World Value Slope/Intercept (0040,9225/9224) 与 Rescale Slope/Intercept (0028,1053/1052) 相差一个偏移</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="151"/>
        <source>{0} differs between frames</source>
        <translation>各帧的 {0} 不一致</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="158"/>
        <source>{0} {1} is not a PET unit SUV can use</source>
        <translation>{0} {1} 不是可用于 SUV 的 PET 单位</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="135"/>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="155"/>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="165"/>
        <source>{0} is missing</source>
        <translation>缺少 {0}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="137"/>
        <source>{0} is 0</source>
        <translation>{0} 为 0</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="174"/>
        <source>Radiopharmaceutical Information Sequence (0054,0016) is missing</source>
        <translation>缺少 Radiopharmaceutical Information Sequence (0054,0016)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="188"/>
        <source>several radiopharmaceuticals, and the frames&apos; Radiopharmaceutical Usage Sequence (0018,9737) does not name one</source>
        <translation>有多种放射性药物，而各帧的 Radiopharmaceutical Usage Sequence (0018,9737) 未指明其中一种</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="195"/>
        <source>Radiopharmaceutical Agent Number (0018,9729) {0} is not described</source>
        <translation>Radiopharmaceutical Agent Number (0018,9729) {0} 没有说明</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="70"/>
        <source>Radionuclide Total Dose {0} read as Bq (Enhanced PET says MBq)</source>
        <translation>注射剂量 Radionuclide Total Dose {0} 按 Bq 读取（增强 PET 规定为 MBq）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_times.py" line="54"/>
        <source>Radionuclide Total Dose (0018,1074) of {0} is implausible in MBq or Bq</source>
        <translation>注射剂量 Radionuclide Total Dose (0018,1074) 为 {0}，按 MBq 或 Bq 都不合理</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="208"/>
        <source>Attenuation Corrected (0018,9759) is NO</source>
        <translation>Attenuation Corrected (0018,9759) 为 NO（未做衰减校正）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="212"/>
        <source>Attenuation Corrected (0018,9759) is missing</source>
        <translation>缺少 Attenuation Corrected (0018,9759)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="219"/>
        <source>Decay Corrected (0018,9758) is missing</source>
        <translation>缺少 Decay Corrected (0018,9758)</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="222"/>
        <source>Decay Corrected (0018,9758) {0} is neither YES nor NO</source>
        <translation>Decay Corrected (0018,9758) {0} 既不是 YES 也不是 NO</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="235"/>
        <source>Decay Correction DateTime (0018,9701) {0} is not valid</source>
        <translation>Decay Correction DateTime (0018,9701) {0} 无效</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="239"/>
        <source>Decay Correction DateTime (0018,9701) is missing (Decay Corrected YES)</source>
        <translation>缺少 Decay Correction DateTime (0018,9701)（Decay Corrected 为 YES）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="253"/>
        <source>Frame Acquisition DateTime (0018,9074) is missing (Decay Corrected NO)</source>
        <translation>缺少 Frame Acquisition DateTime (0018,9074)（Decay Corrected 为 NO）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="261"/>
        <source>Frame Acquisition Duration (0018,9220) is missing (Decay Corrected NO)</source>
        <translation>缺少 Frame Acquisition Duration (0018,9220)（Decay Corrected 为 NO）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv_enhanced.py" line="284"/>
        <source>{0} in {1} cannot be converted to SUV</source>
        <translation>{1} 中的 {0} 无法换算为 SUV</translation>
    </message>
</context>
<context>
    <name>StudyBrowser</name>
    <message>
        <location filename="../../app/browser.py" line="36"/>
        <source>Patient / Study / Series</source>
        <translation>患者 / 检查 / 序列</translation>
    </message>
    <message>
        <location filename="../../app/browser.py" line="37"/>
        <source>Modality</source>
        <translation>设备类型</translation>
    </message>
    <message>
        <location filename="../../app/browser.py" line="38"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../app/browser.py" line="39"/>
        <source>Images</source>
        <translation>图像数</translation>
    </message>
    <message>
        <location filename="../../app/browser.py" line="58"/>
        <source>(no description)</source>
        <translation>（无描述）</translation>
    </message>
</context>
<context>
    <name>TagBrowser</name>
    <message>
        <location filename="../../app/tags.py" line="44"/>
        <location filename="../../app/tags.py" line="103"/>
        <source>DICOM Tags</source>
        <extracomment>measurements (a snapshot) → the same in another resolution&apos;s pixels (the same patient mm) called with a viewport about to show the same series at another resolution, before the swap; it returns what puts back after the swap what it keeps beyond the model, called with the measurements&apos; :data:`Rescale` (None: the viewport did not take the new image) threads of the pooled lanes (&quot;net&quot; work gets a daemon thread each) Above this many matching nodes the tree opens collapsed (expanding would take long).</extracomment>
        <translation>DICOM 标签</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="50"/>
        <source>Search tag, name or value…</source>
        <translation>搜索标签、名称或值…</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="58"/>
        <source>Tag</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="59"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="60"/>
        <source>VR</source>
        <translation>VR</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="61"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="95"/>
        <source>Cannot read {0}: {1}</source>
        <translation>无法读取 {0}：{1}</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="120"/>
        <source>{0} of {1} elements</source>
        <translation>{0} / {1} 个元素</translation>
    </message>
    <message>
        <location filename="../../app/tags.py" line="128"/>
        <source>header too large: not all elements shown</source>
        <translation>文件头过大：未显示全部元素</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <location filename="../../app/timeline_link.py" line="185"/>
        <source>National index: {0}</source>
        <extracomment>each study scanned this session: its patient, where it was read from, its issuer</extracomment>
        <translation>国家索引：{0}</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="196"/>
        <source>Open a study to see its patient&apos;s timeline</source>
        <translation>打开一个检查以查看该患者的影像时间线</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="219"/>
        <source>Patient Timeline</source>
        <translation>患者影像时间线</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="244"/>
        <source>Open today&apos;s study first</source>
        <translation>请先打开本次检查</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="253"/>
        <source>No relevant prior of this patient was found</source>
        <translation>未找到该患者的相关前片</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="263"/>
        <source>Not opened: a probable match must be confirmed by the reader</source>
        <translation>未打开：疑似匹配须由阅片医生确认</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="281"/>
        <source>Not fetched: today&apos;s study changed while connecting</source>
        <translation>未获取：连接期间本次检查已改变</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="290"/>
        <source>Fetching the prior ({0})…</source>
        <translation>正在获取前片（{0}）…</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="309"/>
        <source>Probable match</source>
        <translation>疑似匹配</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="314"/>
        <source>This exam matches today&apos;s patient only by name, birth date and sex ({0}). Open it as this patient&apos;s?</source>
        <translation>此检查仅凭姓名、出生日期和性别与本次患者相符（{0}）。是否作为该患者的检查打开？</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="325"/>
        <source>The patient&apos;s authorization is needed to fetch the prior</source>
        <translation>获取前片需要患者授权</translation>
    </message>
    <message>
        <location filename="../../app/timeline_link.py" line="331"/>
        <source>Cannot fetch the prior: {0}</source>
        <translation>无法获取前片：{0}</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="32"/>
        <source>Local</source>
        <translation>本地</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="33"/>
        <source>Cache</source>
        <translation>缓存</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="34"/>
        <source>Front-end</source>
        <translation>前置机</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="35"/>
        <source>Cloud</source>
        <translation>云端</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="43"/>
        <source>{0:.1f} GB</source>
        <translation>{0:.1f} GB</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="45"/>
        <source>{0:.1f} MB</source>
        <translation>{0:.1f} MB</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="46"/>
        <source>{0:.0f} kB</source>
        <translation>{0:.0f} kB</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="117"/>
        <source>undated</source>
        <translation>无日期</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="120"/>
        <source>today&apos;s</source>
        <translation>本次</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="130"/>
        <source>probable (name, birth date, sex) — confirm</source>
        <translation>疑似（姓名、出生日期、性别）— 请确认</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="131"/>
        <source>confirmed</source>
        <translation>已确认</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="142"/>
        <source>Only name, birth date and sex agree: check it is the same patient</source>
        <translation>仅姓名、出生日期和性别一致：请核实是否为同一患者</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="148"/>
        <source>{0} probable match(es), not merged</source>
        <translation>{0} 个疑似匹配，未合并</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="157"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="158"/>
        <source>Modality</source>
        <translation>模态</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="159"/>
        <source>Body part</source>
        <translation>检查部位</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="160"/>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="161"/>
        <source>Hospital</source>
        <translation>医院</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="162"/>
        <source>Province</source>
        <translation>省份</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="163"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="164"/>
        <source>Where</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="165"/>
        <source>Match</source>
        <translation>匹配</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="168"/>
        <source>Compare with Prior</source>
        <translation>与前片对比</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="169"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../../app/timeline_panel.py" line="170"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
</context>
<context>
    <name>Units</name>
    <message>
        <location filename="../../viewer/dicom/windows.py" line="284"/>
        <location filename="../../viewer/render/colorbar.py" line="313"/>
        <source>no unit</source>
        <extracomment>Where the bar sits (normalized viewport): right side, above the orientation label. Under a VOI LUT: the inner levels given a number when the table reaches them unambiguously, how near a table entry&apos;s level must come to one (half a strip band), and the least distance between two ticks (fractions of the bar) so their labels do not overlap.</extracomment>
        <translation>无单位</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="79"/>
        <source>counts</source>
        <extracomment>Kinds the ``yunying-dicom suv`` command prints. The unit of the modality values themselves, by Units (0054,1001).</extracomment>
        <translation>计数</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/suv.py" line="82"/>
        <source>proportional counts</source>
        <translation>比例计数</translation>
    </message>
</context>
<context>
    <name>ViewportWidget</name>
    <message>
        <location filename="../../app/viewport.py" line="270"/>
        <source>Measurement</source>
        <translation>测量</translation>
    </message>
    <message>
        <location filename="../../app/viewport.py" line="363"/>
        <source>Annotation</source>
        <translation>标注</translation>
    </message>
    <message>
        <location filename="../../app/viewport.py" line="363"/>
        <source>Text:</source>
        <translation>文字：</translation>
    </message>
</context>
<context>
    <name>Volumes</name>
    <message>
        <location filename="../../viewer/dicom/dimensions.py" line="192"/>
        <source>TE {0} ms</source>
        <extracomment>Dimension Index Pointers that say *where* a frame is, not which volume it belongs to.</extracomment>
        <translation>TE {0} ms</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/dimensions.py" line="198"/>
        <source>Echo {0}</source>
        <translation>回波 {0}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/dimensions.py" line="203"/>
        <source>b = {0} s/mm²</source>
        <translation>b = {0} s/mm²</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/dimensions.py" line="208"/>
        <source>t = {0} s</source>
        <translation>t = {0} s</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/dimensions.py" line="214"/>
        <source>Phase {0}</source>
        <translation>时相 {0}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/dimensions.py" line="219"/>
        <source>Index</source>
        <translation>索引</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/dimensions.py" line="222"/>
        <source>Acquisition {0}</source>
        <translation>采集 {0}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/dimensions.py" line="226"/>
        <source>Volume</source>
        <translation>容积</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/geometry.py" line="95"/>
        <source>{0} frame(s) at the same position as another were left out (duplicates)</source>
        <extracomment>UIDs that name things rather than identify instances: never replaced. Attributes Table E.1-1 removes (X) that are Type 1 in the presentation state IODs (Presentation State Identification Module): a presentation state gets a dummy value, so that it stays valid. Free text replaced by a dummy inside a sequence that gets a dummy value (D).</extracomment>
        <translation>{0} 帧与其他帧位置相同，已略去（重复）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/geometry.py" line="127"/>
        <source>after slice {0}</source>
        <extracomment>&quot;full&quot; keeps dates and times, &quot;modified&quot; shifts dates by ``shift_days``, &quot;remove&quot; applies the Basic Profile to them. Clean Graphics and Clean Structured Content: graphic annotations and SR content are kept, cleaned (off: they get the Basic Profile&apos;s dummy value, their free text replaced). The action codes of Table E.1-1&apos;s Basic Profile column (PS3.15 E.1.1, Table E.1-1 legend). The table&apos;s pattern rows, which stand for many tags. What cleaning can work on: text (identifying words removed), UIDs (remapped), sequences. The elements the scan reads (tag → keyword, dictionary VR). Sequences the scan reads (enhanced multi-frame geometry): files holding one go to pydicom. Every keyword a :class:`FastHeader` answers for (absent or decoded). Character sets decoded here, as pydicom names their Python codecs. Document titles of CID 7010 (&quot;Key Object Selection Document Title&quot;), by meaning. Manufacturer written into every object we make (the catalog tells ours from others&apos; by it). Prefix of the Tracking ID that ties a GSPS graphic / SR group to one of our measurements. DICOM graphic coordinates put the top-left corner of the first pixel at 0: ours + 0.5. UCUM units of the modality values we know. Two slices closer than this along the normal are at the same position (mm). Relative deviation from the typical spacing above which spacing counts as non-uniform. Angle between the slice step and the normal above which a stack counts as tilted (degrees).</extracomment>
        <translation>第 {0} 层之后</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/geometry.py" line="132"/>
        <source>{0} slice(s) missing ({1}); volume resampled to {2} mm spacing</source>
        <translation>缺少 {0} 层（{1}）；容积已按 {2} mm 层间距重采样</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/geometry.py" line="139"/>
        <source>slice spacing is not uniform ({0}–{1} mm); volume resampled to {2} mm spacing</source>
        <translation>层间距不均匀（{0}–{1} mm）；容积已按 {2} mm 层间距重采样</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/geometry.py" line="152"/>
        <source>gantry/detector tilt of {0}° (slices stacked off the normal); volume resampled onto an orthogonal grid</source>
        <translation>机架/探测器倾斜 {0}°（层面未沿法线排列）；容积已重采样到正交网格</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/grouping.py" line="153"/>
        <source>series has {0} different planes or image sizes; shown as {0} parts (this is part {1})</source>
        <translation>该序列有 {0} 种不同的平面或图像尺寸；分为 {0} 部分显示（这是第 {1} 部分）</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/quantity.py" line="98"/>
        <source>stored units</source>
        <translation>存储单位</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/quantity.py" line="99"/>
        <source>values shown in {0}, not SUV: {1}</source>
        <translation>数值以 {0} 显示，不是 SUV：{1}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/stack.py" line="41"/>
        <source>slices too few or too irregular for a 3D volume; shown as 2D images</source>
        <translation>层面太少或太不规则，无法组成三维容积；按二维图像显示</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/decode.py" line="155"/>
        <source>none of the {0} images could be decoded</source>
        <translation>{0} 幅图像全部无法解码</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/stack.py" line="107"/>
        <source>no palette colour image could be decoded</source>
        <translation>没有一幅调色板彩色图像能解码</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/volume.py" line="61"/>
        <source>series has no images</source>
        <extracomment>not compressed (Deflated is compressed as a whole file, not per frame) JPEG 2000 Part 1 and Part 15 (HTJ2K): one codestream per frame with a SIZ header Longest value text kept for display. At most this many nodes are built (a header with huge sequences stays responsive). Frames larger than this (decoded) get no thumbnail: decoding them only for a 72-pixel picture costs more than it is worth.</extracomment>
        <translation>该序列没有图像</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/volume.py" line="111"/>
        <source>{0} volumes at the same positions ({1}); this is {2}</source>
        <translation>同一位置有 {0} 个容积（{1}）；当前为 {2}</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/volume.py" line="114"/>
        <source>{0} group(s) too small for a volume</source>
        <translation>{0} 组太小，无法组成容积</translation>
    </message>
    <message>
        <location filename="../../viewer/dicom/volume.py" line="230"/>
        <source>{0} image(s) could not be decoded and were left out</source>
        <extracomment>A stack whose regular grid would need more than this many times its real slices is shown as 2D images, not a volume (interpolating across large holes would invent anatomy).</extracomment>
        <translation>{0} 幅图像无法解码，已略去</translation>
    </message>
    <message>
        <location filename="../../viewer/render/overlay.py" line="225"/>
        <source>this sub-volume lies on another grid</source>
        <extracomment>Opacity of the dark plate behind overlay text (with the shadow: readable on white too).</extracomment>
        <translation>该子容积位于不同的网格上</translation>
    </message>
    <message>
        <location filename="../../viewer/render/refine.py" line="27"/>
        <location filename="../../viewer/state/mpr.py" line="227"/>
        <source>the refined volume lies elsewhere in the patient</source>
        <translation>细化后的容积位于患者体内的其他位置</translation>
    </message>
</context>
<context>
    <name>Windows</name>
    <message>
        <location filename="../../viewer/dicom/windows.py" line="215"/>
        <location filename="../../viewer/dicom/windows.py" line="261"/>
        <source>Window {0}</source>
        <extracomment>Unit of the modality values when no provider knows better (PET&apos;s comes from Units).</extracomment>
        <translation>窗 {0}</translation>
    </message>
</context>
</TS>

"""The SOP classes of the reader's findings objects, by UID (from ``pydicom.uid``).

Kept apart from the writers (which need highdicom) so that listing a study's findings, and the
application's start-up, do not import what only writing needs.
"""

from __future__ import annotations

from pydicom import uid

GSPS_CLASS = str(uid.GrayscaleSoftcopyPresentationStateStorage)
KOS_CLASS = str(uid.KeyObjectSelectionDocumentStorage)
BASIC_TEXT_SR = str(uid.BasicTextSRStorage)
COMPREHENSIVE_3D_SR = str(uid.Comprehensive3DSRStorage)

PS_CLASSES = {
    GSPS_CLASS: "GSPS",
    str(uid.ColorSoftcopyPresentationStateStorage): "Color PS",
    str(uid.PseudoColorSoftcopyPresentationStateStorage): "Pseudo-Color PS",
    str(uid.BlendingSoftcopyPresentationStateStorage): "Blending PS",
}
SR_CLASSES = {
    BASIC_TEXT_SR: "Basic Text SR",
    str(uid.EnhancedSRStorage): "Enhanced SR",
    str(uid.ComprehensiveSRStorage): "Comprehensive SR",
    COMPREHENSIVE_3D_SR: "Comprehensive 3D SR",
}

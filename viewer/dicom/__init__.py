"""Reading DICOM: sources, scan, headers, codecs, geometry and volume assembly (no Qt, no VTK)."""

"""Exports: anonymized copies (PS3.15 Annex E), media with a DICOMDIR, PNG/JPEG and MP4."""

"""The reader's findings as DICOM: presentation states, structured reports, key objects."""

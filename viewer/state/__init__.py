"""Qt-free, evented models: viewports, MPR, fusion, sync and the Workspace (no VTK)."""

# Packaging (see README "Installers"). The test suite itself is `./run.sh test`.
PY ?= .venv/bin/python

.PHONY: dist appdir deb msi-check packages packaging-test startup

dist:            ## frozen app (PyInstaller): dist/yunying/yunying
	$(PY) -m installer.build dist

appdir: dist     ## build/Yunying.AppDir (+ AppImage where appimagetool exists)
	$(PY) -m installer.build appdir --reuse

deb: dist        ## dist/yunying_VERSION_amd64.deb
	$(PY) -m installer.build deb --reuse

msi-check:       ## the WiX source built with wixl (validation; the real MSI is built on Windows CI)
	$(PY) -m installer.build msi-check

packages: dist appdir deb msi-check

packaging-test:  ## builds the frozen app, starts it and the installed .deb on the demo (minutes)
	xvfb-run -a $(PY) -m pytest -m packaging tests/test_packaging.py

startup:         ## size and start-up of the frozen app beside the unfrozen one
	$(PY) -m bench.startup

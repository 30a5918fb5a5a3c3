# 两个命令：make demo（完整演示）与 make test（全部测试）。只需要 Python 3.11。
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install clean constraints

# constraints.txt pins every package to the versions CI tested (tests/kernel/test_packaging.py checks them).
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test,train,rerank]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/yuqing demo

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

# After changing dependencies: install without the old pins into a fresh virtualenv, then pin what was installed.
constraints:
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,train,rerank]"
	{ sed -n '/^#/p' constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -iv '^\(-e \|yuqing\b\)'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	@touch $(STAMP)

clean:
	rm -rf $(VENV) var build *.egg-info

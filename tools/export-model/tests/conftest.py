import sys
from pathlib import Path

# the tool is run as scripts from its folder, not installed: make kiln_export, export and standins importable
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

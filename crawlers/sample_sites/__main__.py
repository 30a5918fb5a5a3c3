import sys

from .cli import sample_sites_main

sys.exit(sample_sites_main(sys.argv[1:]))

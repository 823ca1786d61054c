import sys

from tflite_tasks.cli import main

sys.exit(main())

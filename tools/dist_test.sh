#!/usr/bin/env bash
# Evaluate on GPUS processes per node with torchrun.
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: bash $0 CONFIG CHECKPOINT GPUS [test.py args]" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
shift 3
exec bash "$HERE/dist_launch.sh" "$GPUS" "$HERE/test.py" "$CONFIG" \
    "$CHECKPOINT" "$@"

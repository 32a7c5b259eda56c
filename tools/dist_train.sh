#!/usr/bin/env bash
# Launch tools/train.py on GPUS processes per node with torchrun.
#   bash tools/dist_train.sh CONFIG GPUS [train.py args]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR (and PORT) on every node.
# Without CUDA the processes run on the CPU with the gloo backend.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: bash $0 CONFIG GPUS [train.py args]" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
CONFIG=$1
GPUS=$2
shift 2
exec bash "$HERE/dist_launch.sh" "$GPUS" "$HERE/train.py" "$CONFIG" "$@"

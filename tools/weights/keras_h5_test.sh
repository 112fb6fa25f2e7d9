#!/usr/bin/env bash
# Keras .h5 conversion checked independently: keras_h5_check.py writes keras.applications-
# layout files with h5py (vgg16, vgg19, resnet50, xception; weights only and full models),
# converts them with the weights binary and checks every tensor in Python; its reader part
# breaks each field of a file. Usage (from BUILD): keras_h5_test.sh convert|convert_2|reader
set -euo pipefail
work="${TEST_TMPDIR:-$(mktemp -d)}/keras_h5_$1"
exec /usr/bin/python3 tools/weights/keras_h5_check.py "$PWD/tools/weights/weights" "$work" "$1"

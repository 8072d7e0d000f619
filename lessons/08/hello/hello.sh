#!/bin/sh
# The image's default command (CMD in the Dockerfile).
echo "$GREETING"
echo "in $(pwd):" $(ls)
cat built.txt

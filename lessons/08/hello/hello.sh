#!/bin/sh
# The image's default command (CMD in the Dockerfile).
echo "$GREETING"
echo "in $(pwd): $(ls | tr '\n' ' ')"
cat built.txt

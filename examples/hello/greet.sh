#!/bin/sh
echo "$GREETING from $(id -un) in $(pwd)"
cat /app/built.txt

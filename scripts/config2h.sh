#!/bin/sh
# Turn a Kconfig .config into a C header: CONFIG_X=y -> #define CONFIG_X 1,
# strings and numbers as they are; unset symbols are left undefined.
set -eu
echo "/* generated from $1 by scripts/config2h.sh: do not edit */"
echo "#ifndef V6MIG_CONFIG_H"
echo "#define V6MIG_CONFIG_H"
sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=y$/#define \1 1/p' \
	-e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(".*"\)$/#define \1 \2/p' \
	-e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\([0-9][0-9]*\)$/#define \1 \2/p' "$1"
echo "#endif"

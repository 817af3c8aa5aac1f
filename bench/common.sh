# Sourced by the bench scripts: what more than one of them needs.

# make_uncompressed STOCK DIR: a copy of the stock modules tree STOCK at DIR (…/lib/modules/<release>)
# with every .ko.xz decompressed and depmod run again: the shape of WSL's own modules, which are
# not compressed (CONFIG_MODULE_COMPRESS_NONE=y in both stock configs).
make_uncompressed() {
  local stock=$1 dir=$2
  mkdir -p "$(dirname "$dir")"
  cp -a "$stock" "$dir"
  rm -f "$dir/build" "$dir/source"
  find "$dir" -name '*.ko.xz' -print0 | xargs -0 -r -P "$(nproc)" -n 64 xz -d
  depmod -b "${dir%/lib/modules/*}" "$(basename "$dir")"
}

# The summaries every shell benchmark reports its repeated rounds with, sourced from the
# repository root:
#   source bench/bench_stats.sh
#   value_range 2 "${ratios[@]}"    # "0.96-1.01" (or "1.00" when all are equal)
#   median "${ratios[@]}"           # the middle value (the mean of the two middle ones)

# The range "LO-HI" of the values (or the one value when all are equal), with DECIMALS decimals.
value_range() {
  local decimals=$1
  shift
  printf '%s\n' "$@" | sort -g | awk -v d="$decimals" '
    NR == 1 { lo = $1 } { hi = $1 }
    END { f = "%." d "f"; if (lo == hi) printf f, lo; else printf f "-" f, lo, hi }'
}

# The median of the values: what a goal's verdict is taken on.
median() {
  printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}

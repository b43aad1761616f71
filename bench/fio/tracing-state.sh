# shellcheck shell=bash
# Snapshot and check of the global (top-level) tracing state, for benchmarks
# that run other people's tracers: sourced, not run. A tracer must leave
# tracing_on, current_tracer, set_event, trace_clock, buffer_size_kb,
# events/enable and the list of instances as it found them; if it did not,
# tracing_state_check says what changed and puts the saved values back.
# The caller defines log().

TRACEFS=${TRACEFS:-/sys/kernel/tracing}
TRACING_STATE_FILES=(tracing_on current_tracer set_event trace_clock buffer_size_kb events/enable)

tracing_state_save() {  # $1 = snapshot directory (created or overwritten)
  local dir=$1 f
  rm -rf "$dir"
  mkdir -p "$dir"
  for f in "${TRACING_STATE_FILES[@]}"; do
    cat "$TRACEFS/$f" >"$dir/${f//\//_}"
  done
  ls "$TRACEFS/instances" >"$dir/instances"
}

# Puts back file $2 (a TRACING_STATE_FILES name) from snapshot $1.
tracing_state_restore_file() {
  local dir=$1 f=$2 saved line
  saved=$dir/${f//\//_}
  case $f in
    trace_clock) sed -n 's/.*\[\(.*\)\].*/\1/p' "$saved" >"$TRACEFS/trace_clock" ;;
    set_event)
      echo >"$TRACEFS/set_event"
      while read -r line; do [[ -n $line ]] && echo "$line" >>"$TRACEFS/set_event"; done <"$saved"
      ;;
    events/enable)
      # 0 or 1 can be written back; X (mixed) comes back with set_event.
      [[ $(cat "$saved") == [01] ]] && cat "$saved" >"$TRACEFS/events/enable"
      tracing_state_restore_file "$dir" set_event
      ;;
    buffer_size_kb) [[ $(cat "$saved") =~ ^[0-9]+$ ]] && cat "$saved" >"$TRACEFS/buffer_size_kb" ;;
    *) cat "$saved" >"$TRACEFS/$f" ;;
  esac
}

# Compares the state with snapshot $1; $2 names the moment for the message.
# Returns 1 if something had changed (and was put back where possible).
tracing_state_check() {
  local dir=$1 what=$2 f changed=0 now
  [[ -d $dir ]] || return 0
  for f in "${TRACING_STATE_FILES[@]}"; do
    now=$(cat "$TRACEFS/$f")
    if [[ $now != "$(cat "$dir/${f//\//_}")" ]]; then
      log "WARNING: $what: $TRACEFS/$f changed from '$(tr '\n' ' ' <"$dir/${f//\//_}")' to '$(echo "$now" | tr '\n' ' ')'; putting it back"
      tracing_state_restore_file "$dir" "$f" 2>/dev/null || log "WARNING: could not put back $TRACEFS/$f"
      changed=1
    fi
  done
  now=$(ls "$TRACEFS/instances")
  if [[ $now != "$(cat "$dir/instances")" ]]; then
    log "WARNING: $what: tracefs instances changed from '$(xargs <"$dir/instances")' to '$(echo "$now" | xargs)' (not removed: not ours)"
    changed=1
  fi
  return $changed
}

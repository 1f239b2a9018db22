#!/usr/bin/env bash
# Runs a command against a real Linux Secret Service: a private D-Bus session bus (dbus-run-session) with
# gnome-keyring-daemon's secrets component and an unlocked "login" collection kept in a throwaway folder.
# The user's own keyring is never touched: the bus and the keyring files live only as long as the command.
#
#   test/keyring/with-keyring.sh npx vitest run test/keyring
#
# Needs the Debian packages dbus (dbus-run-session) and gnome-keyring (.ci/run installs them).
set -euo pipefail

if [ -z "${KEYBRIDGE_KEYRING_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "with-keyring: $tool is missing; install it with: apt-get install -y dbus gnome-keyring" >&2
      exit 1
    fi
  done
  export KEYBRIDGE_KEYRING_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi

keyring_home="$(mktemp -d)"
trap 'rm -rf "$keyring_home"' EXIT
# --unlock reads the login keyring's password from stdin and creates that keyring when there is none (an empty
# password is not enough for it to create one). The daemon forks, registers org.freedesktop.secrets on this
# private bus, and exits with the bus.
printf 'keybridge-test-keyring' |
  HOME="$keyring_home" XDG_DATA_HOME="$keyring_home/data" \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null
# Tests that must not skip for want of a keyring read this (test/support/keyring.ts).
export KEYBRIDGE_TEST_REQUIRE_KEYRING=1
"$@"

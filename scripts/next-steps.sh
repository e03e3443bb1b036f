#!/usr/bin/env bash
# Printed by `make run` before the server starts: the exact next commands, with the demo token.
token=$(cat .demo-token)
port=${PROPDESK_PORT:-8000}
cat <<TXT

  propdesk demo site: http://127.0.0.1:$port   API docs (offline): http://127.0.0.1:$port/docs
  Front-desk token (王芳, kept in .demo-token and reused by the next 'make run'):
      $token
  In another terminal, from this folder:
      ./propdesk ticket list                 # the command line (no activation needed)
      curl -s -H "Authorization: Bearer \$(cat .demo-token)" http://127.0.0.1:$port/tickets | head -c 400
  The README's curl example works as written (section "The HTTP service").
  Stop the server with Ctrl-C.

TXT

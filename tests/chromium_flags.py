"""How the tests start Debian's Chromium: headless, and quiet on this machine's closed network
(without the background-networking flags it tries to reach Google's hosts at every start)."""
FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync')

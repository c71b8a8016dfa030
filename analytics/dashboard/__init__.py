"""The finance dashboard: server-rendered pages under /analytics/ (README, *The finance dashboard*)."""

// A process that is gone as soon as it started: its PID is a dead holder's.
process.exit(0);

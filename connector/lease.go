package connector

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/custos-archive/custos/store"
)

// A run says every heartbeatEvery that its process is alive (and each page
// it commits says so too); another process takes a connector over from a
// run silent for leaseFor, or at once from a run whose process, on the same
// host, is gone (killed, crashed).
const (
	heartbeatEvery = 15 * time.Second
	leaseFor       = 90 * time.Second
)

// thisProcess is the owner recorded for runs started here.
func thisProcess() store.RunOwner {
	h, _ := os.Hostname()
	return store.RunOwner{Host: h, PID: os.Getpid()}
}

// deadRun reports whether a run marked running has lost its process.
func deadRun(r store.RunningRun) bool {
	if r.Silent > leaseFor {
		return true
	}
	me := thisProcess()
	return r.Owner.PID > 0 && r.Owner.Host == me.Host && r.Owner.PID != me.PID && !processAlive(r.Owner.PID)
}

// processAlive reports whether a process with that id exists on this host.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// heartbeat records every heartbeatEvery that the run is alive, until ctx
// ends.
func (m *Manager) heartbeat(ctx context.Context, runID int64) {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.st.Heartbeat(ctx, runID); err != nil && ctx.Err() == nil {
				m.log.Warn("recording that the connector run is alive", "run", runID, "err", err)
			}
		}
	}
}

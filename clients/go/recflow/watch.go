package recflow

import (
	"context"
	"errors"
	"io"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"recflow.dev/clients/go/recflowv1"
)

// WatchOptions tune Watch. The zero value watches from the first event.
type WatchOptions struct {
	// AfterSequence skips the events up to and including this sequence (0: from the start).
	AfterSequence uint64
	// MaxWait bounds the time spent reconnecting without receiving an event; 0 means 30 s.
	MaxWait time.Duration
	// OnResume, when set, is told each time the watch reconnects after UNAVAILABLE.
	OnResume func(afterSequence uint64, cause error)
}

// Watch calls fn with every event of the task, in sequence order, until its terminal event.
// When the stream breaks with UNAVAILABLE (a gateway draining or restarting, a dropped
// connection) it reconnects with after_sequence set to the last event it delivered, so fn sees
// every event exactly once. Any other error, or fn's, ends the watch.
func (c *Client) Watch(ctx context.Context, taskID string, opts WatchOptions, fn func(*recflowv1.TaskEvent) error) error {
	after := opts.AfterSequence
	maxWait := opts.MaxWait
	if maxWait == 0 {
		maxWait = 30 * time.Second
	}
	backoff := 100 * time.Millisecond
	var since time.Time // when reconnecting started; zero while events flow
	for {
		terminal, err := c.watchOnce(ctx, taskID, &after, fn, &since)
		if err == nil && terminal {
			return nil
		}
		if err == nil {
			return ErrNoTerminalEvent
		}
		if status.Code(err) != codes.Unavailable || ctx.Err() != nil {
			return c.Explain(err)
		}
		if since.IsZero() {
			since = time.Now()
		} else if time.Since(since) > maxWait {
			return c.Explain(err)
		}
		if opts.OnResume != nil {
			opts.OnResume(after, err)
		}
		select {
		case <-ctx.Done():
			return c.Explain(status.FromContextError(ctx.Err()).Err())
		case <-time.After(backoff):
		}
		if backoff *= 2; backoff > 2*time.Second {
			backoff = 2 * time.Second
		}
	}
}

// watchOnce reads one stream; it reports whether it delivered the terminal event.
func (c *Client) watchOnce(ctx context.Context, taskID string, after *uint64, fn func(*recflowv1.TaskEvent) error, since *time.Time) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.Tasks.WatchTask(ctx, &recflowv1.WatchTaskRequest{TaskId: taskID, AfterSequence: *after})
	if err != nil {
		return false, err
	}
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if ev.GetSequence() <= *after {
			continue // never deliver an event twice, whatever a resumed stream replays
		}
		*after = ev.GetSequence()
		*since = time.Time{}
		if err := fn(ev); err != nil {
			return false, err
		}
		if IsTerminal(ev) {
			// The gateway ends the stream right after the terminal event: read to its end rather
			// than cancel (RST_STREAM). The gateway's HTTP/2 layer closes a connection whose client
			// resets more than ~33 streams a second after a burst of 1000, failing every call on it.
			for {
				if _, err := stream.Recv(); err != nil {
					return true, nil
				}
			}
		}
	}
}

// IsTerminal reports whether the event ends the task: succeeded, failed or cancelled.
func IsTerminal(ev *recflowv1.TaskEvent) bool {
	switch ev.GetEvent().(type) {
	case *recflowv1.TaskEvent_Succeeded, *recflowv1.TaskEvent_Failed, *recflowv1.TaskEvent_Cancelled:
		return true
	}
	return false
}

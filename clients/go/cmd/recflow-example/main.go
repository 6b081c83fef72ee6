// Command recflow-example submits a Probe task, streams its events and prints the result. Its
// watch resumes by itself across a gateway restart (test/integration/go-client.test.ts restarts
// the gateway mid-task). Exit status: 0 when the task succeeded, 1 otherwise, with one line on
// stderr that says what to fix.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"recflow.dev/clients/go/recflow"
	"recflow.dev/clients/go/recflowv1"
)

func main() {
	target := flag.String("target", "127.0.0.1:50051", "gateway address host:port")
	token := flag.String("token", "", "bearer token (the gateway's RECFLOW_TENANTS_FILE lists its hash)")
	caFile := flag.String("ca", "", "PEM CA of the gateway's certificate; turns TLS on")
	workMs := flag.Uint("work-ms", 200, "how long the probe works")
	steps := flag.Uint("progress-steps", 3, "progress events the probe sends")
	requestID := flag.String("request-id", "", "idempotency key (empty: a fresh task)")
	flag.Parse()
	if err := run(*target, recflow.Options{Token: *token, CAFile: *caFile}, *requestID, uint32(*workMs), uint32(*steps)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(target string, opts recflow.Options, requestID string, workMs, steps uint32) error {
	client, err := recflow.Dial(target, opts)
	if err != nil {
		return err
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	submitCtx, cancelSubmit := context.WithTimeout(ctx, 10*time.Second)
	defer cancelSubmit()
	task, err := client.Submit(submitCtx, requestID, &recflowv1.TaskSpec{
		Kind: &recflowv1.TaskSpec_Probe{Probe: &recflowv1.Probe{WorkMs: workMs, ProgressSteps: steps}},
	})
	if err != nil {
		return err
	}
	fmt.Printf("task_id: %s\n", task.GetId())

	var final *recflowv1.TaskEvent
	err = client.Watch(ctx, task.GetId(), recflow.WatchOptions{
		OnResume: func(after uint64, cause error) {
			fmt.Printf("resume after_sequence=%d\n", after)
		},
	}, func(ev *recflowv1.TaskEvent) error {
		fmt.Printf("event seq=%d state=%s progress=%.2f\n", ev.GetSequence(), ev.GetStatus().GetState(), ev.GetStatus().GetProgress())
		final = ev
		return nil
	})
	if err != nil {
		return err
	}
	switch e := final.GetEvent().(type) {
	case *recflowv1.TaskEvent_Succeeded:
		out, err := protojson.Marshal(e.Succeeded.GetResult())
		if err != nil {
			return err
		}
		fmt.Printf("result: %s\n", out)
		return nil
	case *recflowv1.TaskEvent_Failed:
		return fmt.Errorf("recflow: task %s failed: %s: %s", task.GetId(), e.Failed.GetError().GetReason(), e.Failed.GetError().GetMessage())
	default:
		return fmt.Errorf("recflow: task %s ended %s", task.GetId(), final.GetStatus().GetState())
	}
}

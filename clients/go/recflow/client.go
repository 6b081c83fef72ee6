// Package recflow is a thin helper over the generated stubs in recflowv1: a connection with
// token and TLS options, one-line errors that say what to fix, and a watch that resumes across
// UNAVAILABLE (a gateway restart or drain) by after_sequence, without gaps or repeats.
//
// It builds with Debian 12's grpc-go 1.33, which has no credentials/insecure package: plaintext
// uses grpc.WithInsecure, deprecated in later releases but the one spelling 1.33 knows.
package recflow

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"recflow.dev/clients/go/recflowv1"
)

// Options configure Dial. The zero value is a plaintext connection without a token.
type Options struct {
	// Token is sent as "authorization: Bearer <Token>" on every call; empty sends none.
	Token string
	// CAFile is a PEM file of the CA that signed the gateway's certificate; setting it turns TLS on.
	CAFile string
	// TLS turns TLS on with the system's CA pool when CAFile is empty.
	TLS bool
}

// Client holds one connection and the three service stubs.
type Client struct {
	Target   string
	Conn     *grpc.ClientConn
	Tasks    recflowv1.TasksServiceClient
	Datasets recflowv1.DatasetsServiceClient
	Models   recflowv1.ModelsServiceClient
}

// Dial connects lazily (the first call reports an unreachable gateway, through Explain).
func Dial(target string, opts Options) (*Client, error) {
	var dialOpts []grpc.DialOption
	secure := opts.TLS || opts.CAFile != ""
	if secure {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if opts.CAFile != "" {
			pem, err := os.ReadFile(opts.CAFile)
			if err != nil {
				return nil, fmt.Errorf("recflow: cannot read the CA file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("recflow: %s holds no PEM certificate; pass the CA that signed the gateway's certificate", opts.CAFile)
			}
			cfg.RootCAs = pool
		}
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	} else {
		dialOpts = append(dialOpts, grpc.WithInsecure())
	}
	if opts.Token != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearer{token: opts.Token}))
	}
	conn, err := grpc.Dial(target, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("recflow: cannot dial %s: %w", target, err)
	}
	return &Client{
		Target:   target,
		Conn:     conn,
		Tasks:    recflowv1.NewTasksServiceClient(conn),
		Datasets: recflowv1.NewDatasetsServiceClient(conn),
		Models:   recflowv1.NewModelsServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.Conn.Close() }

// Submit stores a task and returns it at once (it runs on a worker later).
func (c *Client) Submit(ctx context.Context, requestID string, spec *recflowv1.TaskSpec) (*recflowv1.Task, error) {
	task, err := c.Tasks.SubmitTask(ctx, &recflowv1.SubmitTaskRequest{RequestId: requestID, Task: spec})
	if err != nil {
		return nil, c.Explain(err)
	}
	return task, nil
}

// bearer sends the token as call metadata. Plaintext is allowed on purpose: the dev stack and
// tests run without TLS, and a token on loopback is the caller's choice.
type bearer struct{ token string }

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

func (b bearer) RequireTransportSecurity() bool { return false }

// ErrNoTerminalEvent is returned when a watch stream ends before the task finished.
var ErrNoTerminalEvent = errors.New("recflow: the watch ended before the task finished")

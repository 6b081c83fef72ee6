package recflow

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is a failed call, with a one-line message that says what to fix.
type Error struct {
	Code  codes.Code
	Fix   string
	Cause error
}

func (e *Error) Error() string { return e.Fix }
func (e *Error) Unwrap() error { return e.Cause }

// Explain turns a gRPC error into an *Error whose message names the problem and the fix. Errors
// that are not gRPC statuses, and nil, pass through.
func (c *Client) Explain(err error) error {
	var already *Error
	if err == nil || errors.As(err, &already) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	msg := oneLine(st.Message())
	fix := fmt.Sprintf("recflow: %s: %s", st.Code(), msg)
	switch st.Code() {
	case codes.Unavailable:
		// grpc-go 1.33 reports a failed TLS handshake only as UNAVAILABLE with the x509 / tls text
		// of the cause, so the text is all there is to tell it from a refused connection.
		if strings.Contains(msg, "x509") || strings.Contains(msg, "tls:") || strings.Contains(msg, "handshake") {
			fix = fmt.Sprintf("recflow: TLS with %s failed (%s): pass the CA that signed the gateway's certificate (Options.CAFile), or drop TLS for a plaintext gateway", c.Target, msg)
		} else {
			fix = fmt.Sprintf("recflow: nothing answers at %s (%s): start the gateway (recflow dev / recflow gateway) or fix the address", c.Target, msg)
		}
	case codes.Unauthenticated:
		fix = fmt.Sprintf("recflow: the gateway at %s refused the token (%s): pass a token from its RECFLOW_TENANTS_FILE (Options.Token)", c.Target, msg)
	case codes.PermissionDenied:
		fix = fmt.Sprintf("recflow: the token's tenant may not do this (%s)", msg)
	}
	return &Error{Code: st.Code(), Fix: fix, Cause: err}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

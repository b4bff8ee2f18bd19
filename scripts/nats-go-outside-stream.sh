#!/usr/bin/env bash
# nats.go on the two core operations of ../shared/peer/run-nats-go.sh whose subjects that peer
# puts inside its own stream (GOPEER2 takes gp.>, and its gp.echo and gp.pub fall in it), here on
# subjects outside any stream, so the server stores nothing and the echo is a request's only reply:
#   - core request/reply to an echo responder on a second connection, p50 of 5,000;
#   - core publish, 2,000,000 payloads of 128 bytes on one connection, then a flush;
#   - for reference, the same request/reply to gp.echo inside a file stream on gp.>, as the peer
#     has it: the stream's PubAck is a second reply, and nc.Request takes the first to come;
#   - for each round trip above, and for the peer's direct get and sequential save done here once
#     more the same way, the process's context switches per operation (getrusage, every thread):
#     how many times a thread blocked and had to be woken;
#   - a goroutine to another and back over unbuffered channels (the hand-off nats.go's reader
#     makes to a waiting caller), p50, beside ours from a task to its connection's loop and back.
# `aether-bench compare` runs it each round beside the peer. Prints one JSON line per figure.
#
#   bash scripts/nats-go-outside-stream.sh   # needs nats-server on PATH; installs Debian's Go and
#                                            # nats.go when missing, as the peer script does
set -euo pipefail
if ! command -v go >/dev/null 2>&1 || [ ! -d /usr/share/gocode/src/github.com/nats-io/nats.go ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go golang-github-nats-io-go-nats-dev >/dev/null
fi
work="$(mktemp -d)"
trap 'kill ${pid:-} 2>/dev/null; wait ${pid:-} 2>/dev/null; rm -rf "$work"' EXIT
cat > "$work/main.go" <<'GO'
package main

import (
	"flag"
	"fmt"
	"os"
	"encoding/json"
	"sort"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
)

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "nats-go-outside-stream:", err)
		os.Exit(1)
	}
}

// The process's context switches so far, voluntary and involuntary, every thread.
func switches() int64 {
	var u syscall.Rusage
	must(syscall.Getrusage(syscall.RUSAGE_SELF, &u))
	return u.Nvcsw + u.Nivcsw
}

// The p50 of 5,000 requests to subject, the context switches per request (after one more
// request, whose reply is returned).
func requests(nc *nats.Conn, subject string) (float64, float64, string) {
	first, err := nc.Request(subject, []byte("ping"), time.Second)
	must(err)
	var d []time.Duration
	before := switches()
	for i := 0; i < 5000; i++ {
		t := time.Now()
		_, err := nc.Request(subject, []byte("ping"), time.Second)
		must(err)
		d = append(d, time.Since(t))
	}
	perOp := float64(switches()-before) / 5000
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[len(d)/2].Nanoseconds()) / 1000, perOp, string(first.Data)
}

type event struct {
	ID        string                 `json:"id"`
	EventType string                 `json:"eventType"`
	ActorID   string                 `json:"actorId"`
	Version   int64                  `json:"version"`
	Data      map[string]interface{} `json:"data"`
	Timestamp time.Time              `json:"timestamp"`
}

func main() {
	url := flag.String("url", nats.DefaultURL, "server")
	flag.Parse()
	nc, err := nats.Connect(*url)
	must(err)
	defer nc.Close()
	responder, err := nats.Connect(*url)
	must(err)
	defer responder.Close()
	js, err := nc.JetStream()
	must(err)
	_, err = js.AddStream(&nats.StreamConfig{Name: "INSTREAM", Subjects: []string{"gp.>"}, Storage: nats.FileStorage, AllowDirect: true})
	must(err)
	for _, subject := range []string{"outside.echo", "gp.echo"} {
		_, err := responder.Subscribe(subject, func(m *nats.Msg) { m.Respond(m.Data) })
		must(err)
	}
	must(responder.Flush())
	p50, perOp, first := requests(nc, "outside.echo")
	fmt.Printf("{\"client\":\"nats.go\",\"request_reply_echo_only_p50_us\":%.1f,\"request_reply_echo_only_switches_per_op\":%.2f,\"first_reply\":%q}\n", p50, perOp, first)
	p50, perOp, first = requests(nc, "gp.echo")
	fmt.Printf("{\"client\":\"nats.go\",\"request_reply_in_stream_p50_us\":%.1f,\"request_reply_switches_per_op\":%.2f,\"first_reply\":%q}\n", p50, perOp, first)
	// The peer's sequential saves and direct gets (its steps 1 and 5), counted for context switches.
	var last uint64
	before := switches()
	for v := 1; v <= 5000; v++ {
		b, _ := json.Marshal(event{ID: fmt.Sprint("s", v), EventType: "Tick", ActorID: "seq", Version: int64(v), Data: map[string]interface{}{"n": v}, Timestamp: time.Now()})
		ack, err := js.Publish("gp.e.seq", b, nats.ExpectLastSequencePerSubject(last), nats.MsgId(fmt.Sprint("s", v)))
		must(err)
		last = ack.Sequence
	}
	saves := float64(switches()-before) / 5000
	before = switches()
	for i := 0; i < 5000; i++ {
		m, err := js.GetLastMsg("INSTREAM", "gp.e.seq", nats.DirectGet())
		must(err)
		var e event
		must(json.Unmarshal(m.Data, &e))
	}
	gets := float64(switches()-before) / 5000
	fmt.Printf("{\"client\":\"nats.go\",\"save_sequential_switches_per_op\":%.2f,\"direct_get_last_switches_per_op\":%.2f}\n", saves, gets)
	// A goroutine to another and back over unbuffered channels, as nats.go's reader hands a
	// reply to the caller: p50 of 5,000, after 100 to warm up.
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
	}()
	var hops []time.Duration
	for i := 0; i < 5100; i++ {
		t := time.Now()
		ping <- struct{}{}
		<-pong
		if i >= 100 {
			hops = append(hops, time.Since(t))
		}
	}
	close(ping)
	sort.Slice(hops, func(i, j int) bool { return hops[i] < hops[j] })
	fmt.Printf("{\"client\":\"nats.go\",\"hop_p50_us\":%.2f}\n", float64(hops[len(hops)/2].Nanoseconds())/1000)
	b := make([]byte, 128)
	n := 2000000
	t := time.Now()
	for i := 0; i < n; i++ {
		must(nc.Publish("outside.pub", b))
	}
	must(nc.Flush())
	fmt.Printf("{\"client\":\"nats.go\",\"core_publish_outside_per_s\":%.0f}\n", float64(n)/time.Since(t).Seconds())
}
GO
(cd "$work" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$work/peer" .)
nats-server -js -sd "$work/js" -a 127.0.0.1 -p -1 --ports_file_dir "$work" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do ls "$work"/*.ports >/dev/null 2>&1 && break; sleep 0.1; done
url="$(python3 -c 'import json,glob,sys; print(json.load(open(glob.glob(sys.argv[1]+"/*.ports")[0]))["nats"][0])' "$work")"
"$work/peer" -url "$url"

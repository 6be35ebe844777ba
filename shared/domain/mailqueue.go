package domain

import "sync"

// DefaultMailConcurrency is how many mails of one invite request are in
// flight at once unless Config.MailConcurrency says otherwise.
const DefaultMailConcurrency = 8

// fanout runs the per-address work of one invite request concurrently:
// at most limit addresses being written and at most limit mails in flight
// at once. Each address's outcome lands in its own result slot, so results
// keep their input order; wait returns once every address is done.
type fanout struct {
	writes, mails chan struct{}
	wg            sync.WaitGroup
}

func (s *Service) newFanout() *fanout {
	n := s.cfg.MailConcurrency
	return &fanout{writes: make(chan struct{}, n), mails: make(chan struct{}, n)}
}

// spawn runs fn in the background until wait.
func (q *fanout) spawn(fn func()) {
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		fn()
	}()
}

// write runs fn holding one of the write slots.
func (q *fanout) write(fn func()) {
	q.writes <- struct{}{}
	defer func() { <-q.writes }()
	fn()
}

// mail sends one mail holding one of the mail slots, and returns its outcome.
func (q *fanout) mail(send func() Delivery) Delivery {
	q.mails <- struct{}{}
	defer func() { <-q.mails }()
	return send()
}

// send sends one mail in the background and stores its outcome in *dst,
// which must stay valid (an element of a slice that is not grown) until wait.
func (q *fanout) send(dst *Delivery, send func() Delivery) {
	q.spawn(func() { *dst = q.mail(send) })
}

// wait returns when every spawned task is done.
func (q *fanout) wait() { q.wg.Wait() }

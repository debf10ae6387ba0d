// A Go program for the glue test (test/glue/go.test.ts): it exercises the Go
// runtime compiled with GOOS=js GOARCH=wasm (fmt, strings, maps, sort,
// strconv, goroutines and channels, timers, panics, the garbage collector,
// float64 and int64 arithmetic, hashing, syscall/js) and prints output that
// is the same on every run. It exits with status 3.
package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall/js"
	"time"
	"unicode/utf8"
)

type shape interface {
	area() float64
	name() string
}

type rect struct{ w, h float64 }
type circle struct{ r float64 }

func (r rect) area() float64   { return r.w * r.h }
func (r rect) name() string    { return "rect" }
func (c circle) area() float64 { return math.Pi * c.r * c.r }
func (c circle) name() string  { return "circle" }

var errOdd = errors.New("odd input")

func half(n int) (int, error) {
	if n%2 != 0 {
		return 0, fmt.Errorf("half(%d): %w", n, errOdd)
	}
	return n / 2, nil
}

func safeIndex(xs []int, i int) (v int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return xs[i], nil
}

func safeDiv(a, b int64) (q int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return a / b, nil
}

func primes(n int) []int {
	sieve := make([]bool, n+1)
	var out []int
	for i := 2; i <= n; i++ {
		if !sieve[i] {
			out = append(out, i)
			for j := i * i; j <= n; j += i {
				sieve[j] = true
			}
		}
	}
	return out
}

// pipeline: generator -> squarer -> summer, over unbuffered channels.
func pipeline(n int) int64 {
	gen := make(chan int)
	sq := make(chan int64)
	go func() {
		for i := 1; i <= n; i++ {
			gen <- i
		}
		close(gen)
	}()
	go func() {
		for v := range gen {
			sq <- int64(v) * int64(v)
		}
		close(sq)
	}()
	var sum int64
	for v := range sq {
		sum += v
	}
	return sum
}

// workers: a pool of goroutines over a buffered channel, joined by a WaitGroup.
func workers(jobs []string) []string {
	in := make(chan string, len(jobs))
	out := make(chan string, len(jobs))
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for j := range in {
				h := crc32.ChecksumIEEE([]byte(j))
				out <- fmt.Sprintf("%s:%08x", strings.ToUpper(j), h)
				runtime.Gosched()
			}
		}(w)
	}
	for _, j := range jobs {
		in <- j
	}
	close(in)
	wg.Wait()
	close(out)
	var res []string
	for r := range out {
		res = append(res, r)
	}
	sort.Strings(res)
	return res
}

// pingPong: two goroutines handing a counter back and forth, with select and a mutex.
func pingPong(rounds int) (int, int) {
	ping, pong, done := make(chan int), make(chan int), make(chan struct{})
	var mu sync.Mutex
	hits := 0
	go func() {
		for {
			select {
			case v := <-ping:
				mu.Lock()
				hits++
				mu.Unlock()
				pong <- v + 1
			case <-done:
				return
			}
		}
	}()
	v := 0
	for i := 0; i < rounds; i++ {
		ping <- v
		v = <-pong
	}
	close(done)
	mu.Lock()
	defer mu.Unlock()
	return v, hits
}

// timers: goroutines that sleep, so the Go scheduler idles and the JS event
// loop resumes it (wasm_exec.js scheduleTimeoutEvent). Which one wakes first
// is the runtime's business (Go 1.19 on js/wasm does not wake them in order
// of their delays), so the result is sorted.
func timers() ([]int, bool) {
	start := time.Now()
	ch := make(chan int, 3)
	for _, d := range []int{30, 10, 20} {
		go func(d int) {
			time.Sleep(time.Duration(d) * time.Millisecond)
			ch <- d
		}(d)
	}
	got := []int{<-ch, <-ch, <-ch}
	sort.Ints(got)
	return got, time.Since(start) >= 30*time.Millisecond
}

type node struct {
	next *node
	data []byte
}

// garbage: allocates well past the heap size, so the collector runs and memory grows.
func garbage() int {
	var keep *node
	total := 0
	for i := 0; i < 2000; i++ {
		n := &node{data: make([]byte, 4096+i%7)}
		n.data[0] = byte(i)
		if i%100 == 0 {
			n.next = keep
			keep = n
		}
		total += len(n.data)
	}
	runtime.GC()
	count := 0
	for n := keep; n != nil; n = n.next {
		count += int(n.data[0])
	}
	return total + count
}

func main() {
	fmt.Println("args:", os.Args[1:], "env KILN_GLUE:", os.Getenv("KILN_GLUE"))

	// strings, utf8, strconv
	s := "The quick brown fox jumps over the lazy dog — ünïcödé"
	words := strings.Fields(s)
	fmt.Println(len(words), "words;", utf8.RuneCountInString(s), "runes;", len(s), "bytes")
	fmt.Println(strings.Title(strings.ToLower(words[1])), strings.Repeat("ab", 3), strings.Join(words[2:5], "+"))
	fmt.Println(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return 'a' + (r-'a'+13)%26
		}
		return r
	}, "hello, world"))
	var b strings.Builder
	for i := 0; i < 5; i++ {
		b.WriteString(strconv.Itoa(i * i))
		b.WriteByte(',')
	}
	fmt.Println(b.String(), strconv.Quote("tab\there"), strconv.FormatInt(-255, 16), strconv.FormatInt(1<<40, 36))
	f, _ := strconv.ParseFloat("6.02214076e23", 64)
	n, err := strconv.Atoi("12a")
	fmt.Println(f, n, err)

	// maps and sort
	freq := map[rune]int{}
	for _, r := range strings.ToLower(s) {
		if r != ' ' {
			freq[r]++
		}
	}
	type kv struct {
		r rune
		n int
	}
	var kvs []kv
	for r, c := range freq {
		kvs = append(kvs, kv{r, c})
	}
	sort.Slice(kvs, func(i, j int) bool {
		if kvs[i].n != kvs[j].n {
			return kvs[i].n > kvs[j].n
		}
		return kvs[i].r < kvs[j].r
	})
	for _, e := range kvs[:6] {
		fmt.Printf("%q=%d ", e.r, e.n)
	}
	fmt.Println(len(freq), "distinct")
	ages := map[string]int{"ada": 36, "grace": 85, "alan": 41, "edsger": 72}
	keys := make([]string, 0, len(ages))
	for k := range ages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	delete(ages, "alan")
	fmt.Println(keys, len(ages), ages["grace"], ages["alan"])
	fmt.Printf("%v %+v %#v\n", ages, struct{ A, B int }{1, 2}, []string{"x"})

	// float64 and int64 arithmetic
	fmt.Printf("%.17g %.17g %.17g\n", math.Sqrt(2), math.Exp(1), math.Log(10))
	fmt.Printf("%.17g %.17g %.17g\n", math.Sin(1e6), math.Atan2(-1, -2), math.Pow(1.0001, 10000))
	fmt.Println(math.Inf(1), -math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Float64bits(-0.0))
	fmt.Println(math.Floor(-2.5), math.Round(-2.5), math.Trunc(2.7), math.Mod(7.5, 2), float32(1)/3)
	var a int64 = math.MaxInt64
	var c int64 = math.MinInt64
	fmt.Println(a+1 == c, a*3, c/-7, c%7, -c, uint64(c)>>3, c>>3)
	hi, lo := bits.Mul64(0xdeadbeefcafebabe, 0x123456789abcdef1)
	fmt.Printf("%x %x %d %d\n", hi, lo, bits.LeadingZeros64(12345), bits.OnesCount64(0xf0f0f0f0f0f0f0f0))
	var fact int64 = 1
	for i := int64(1); i <= 20; i++ {
		fact *= i
	}
	u := uint32(1 << 31)
	fmt.Println("20! =", fact, "uint32 wrap =", u*2+5, "int64(float64) =", int64(f/1e8))

	// interfaces and errors
	shapes := []shape{rect{3, 4}, circle{1}, rect{0.5, 0.25}}
	sort.Slice(shapes, func(i, j int) bool { return shapes[i].area() < shapes[j].area() })
	for _, sh := range shapes {
		fmt.Printf("%s %.6f; ", sh.name(), sh.area())
	}
	fmt.Println()
	_, err = half(7)
	fmt.Println(err, errors.Is(err, errOdd))
	_, err = safeIndex([]int{1, 2, 3}, 5)
	fmt.Println(err)
	_, err = safeDiv(1, 0)
	fmt.Println(err)

	// goroutines and channels
	fmt.Println("pipeline:", pipeline(1000))
	fmt.Println("workers:", workers([]string{"kiln", "wasm", "go", "gopher", "emscripten", "node"}))
	v, hits := pingPong(500)
	fmt.Println("pingpong:", v, hits)
	got, slept := timers()
	fmt.Println("timers:", got, "slept at least 30ms:", slept)

	// the collector, hashing, primes
	fmt.Println("garbage:", garbage())
	p := primes(10000)
	fmt.Println("primes:", len(p), p[len(p)-5:])
	fmt.Printf("sha256: %x\n", sha256.Sum256([]byte(s)))

	// syscall/js: a round trip through the JS host
	obj := js.Global().Get("Object").New()
	obj.Set("go", true)
	obj.Set("n", 42)
	obj.Set("list", []interface{}{1, "two", 3.5})
	json := js.Global().Get("JSON").Call("stringify", obj)
	fmt.Println("js:", json.String(), js.Global().Get("Math").Call("max", 3, 9, 4).Int())

	fmt.Println("done; exiting with 3")
	os.Exit(3)
}

// Package demo generates a reproducible synthetic city — by default one shaped like Weihai
// (威海), whose credit platform the seeds describe (seed 000: 72 departments, red and black
// lists, court defaulters; seed 001: 2.43 亿 records, every legacy code converted) — as CSV
// import files, one per (department, catalog item), which the platform then loads through its
// normal import path. Nothing here touches a store: the files are the interface.
//
// Every value is generated from the catalog's schema (types, enums, required fields, maximum
// lengths), with realistic content for the field names the default catalog uses, so the
// generator keeps working when the catalog changes. A small, configurable share of rows is made
// invalid on purpose so the quarantine (rejected rows) has realistic content.
package demo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Config says what city to generate. Zero fields take the defaults noted.
type Config struct {
	Seed    int64 // same seed + same config = byte-identical files
	Legal   int   // legal persons and other organisations (default 200,000)
	Persons int   // natural persons (default 100,000); they are also the legal representatives
	Records int   // data rows across all files, registration rows included (default 2,000,000)
	// Today is the "now" of the city: decision dates are spread over the 5 years before it.
	// Zero means the current date, which makes the output change from day to day; set it for
	// reproducible files.
	Today time.Time
	// BadRate is the share of rows made deliberately invalid (bad check character, impossible
	// date, over-long value, unknown enum value) so the quarantine has realistic content.
	// Registration rows are never made invalid, so every subject exists. Zero means the
	// default 0.0005; a negative value means none.
	BadRate float64
}

// Defaults of Config.
const (
	DefaultLegal   = 200_000
	DefaultPersons = 100_000
	DefaultRecords = 2_000_000
	DefaultBadRate = 0.0005
)

// File is one generated import file.
type File struct {
	Path string // the CSV file
	Dept string // source department code
	Item string // catalog item code
	Rows int    // data rows, header excluded
	Bad  int    // rows made invalid on purpose; the importer should reject exactly these
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Legal == 0 {
		c.Legal = DefaultLegal
	}
	if c.Persons == 0 {
		c.Persons = DefaultPersons
	}
	if c.Records == 0 {
		c.Records = DefaultRecords
	}
	if c.Today.IsZero() {
		c.Today = time.Now()
	}
	y, m, d := c.Today.Date()
	c.Today = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch {
	case c.BadRate == 0:
		c.BadRate = DefaultBadRate
	case c.BadRate < 0:
		c.BadRate = 0
	}
	return c
}

// Generate writes the city's import files into dir (created if missing) and returns them in
// load order: the registration item first (it creates the subjects and links their legal
// representatives), then the other items in catalog order, each item's files in its
// departments' order. Files are written concurrently, each from its own random stream derived
// from the seed, so the output does not depend on scheduling.
func Generate(ctx context.Context, cfg Config, cat *credit.Catalog, dir string) ([]File, error) {
	cfg = cfg.withDefaults()
	switch {
	case cat == nil || len(cat.Items) == 0:
		return nil, credit.Errorf(credit.EINVALID, "演示数据需要目录 / demo: the catalog has no items")
	case cfg.Legal < 0 || cfg.Persons < 1 || cfg.Records < 0:
		return nil, credit.Errorf(credit.EINVALID, "演示数据规模无效 / demo: bad size: %d legal, %d persons, %d records",
			cfg.Legal, cfg.Persons, cfg.Records)
	case cfg.Today.Year() < 2010:
		return nil, credit.Errorf(credit.EINVALID, "演示数据日期须在2010年之后 / demo: today must be after 2010")
	}
	c, err := buildCity(cfg, cat)
	if err != nil {
		return nil, err
	}
	jobs, err := plan(cfg, cat, c)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	for i, j := range jobs {
		j.file.Path = filepath.Join(dir, fmt.Sprintf("%03d_%s_%s.csv", i+1, j.file.Item, j.file.Dept))
	}

	// Biggest files first so the last worker does not start on the largest one.
	order := make([]*job, len(jobs))
	copy(order, jobs)
	sort.SliceStable(order, func(a, b int) bool { return order[a].file.Rows > order[b].file.Rows })
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	queue := make(chan *job)
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	for w := 0; w < max(1, runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				if err := j.write(ctx, cfg, c); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		}()
	}
feed:
	for _, j := range order {
		select {
		case queue <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	files := make([]File, len(jobs))
	for i, j := range jobs {
		files[i] = j.file
	}
	return files, nil
}

// write generates one file.
func (j *job) write(ctx context.Context, cfg Config, c *city) (err error) {
	f, err := os.Create(j.file.Path)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("demo: %w", cerr)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<18)
	w := newWriter(cfg, c, j)
	if err := w.run(ctx, bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// Header returns the CSV header of an item's import file: the three standard columns, then
// every field by its machine name.
func Header(it *credit.CatalogItem) []string {
	h := []string{credit.ColSourceID, credit.ColSubjectCode, credit.ColSubjectName}
	for _, f := range it.Fields {
		h = append(h, f.Name)
	}
	return h
}

// errNoSubjects is returned when an item's rows have nobody to be about.
var errNoSubjects = errors.New("no subjects")

// sourcePrefix is the start of every source_id of a file: department and item initials.
func sourcePrefix(dept, item string) string {
	var b strings.Builder
	b.WriteString(strings.ToUpper(dept))
	b.WriteByte('-')
	for _, part := range strings.Split(item, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]))
		}
	}
	b.WriteByte('-')
	return b.String()
}

//! Parse-throughput benchmark: generates about 10 MB of realistic ArkTS code and reports how
//! many megabytes per second `parse_module` handles. Run it through
//! `scripts/bench/parse_throughput.sh` (a release build).

use skiff_diagnostics::FileId;
use std::fmt::Write;
use std::time::Instant;

/// One chunk of code in the style of the seeds and the spec: imports aside, it has Sendable
/// classes, concurrent functions, arrow callbacks, generics, templates, loops and object literals.
fn chunk(out: &mut String, i: usize) {
    let _ = write!(
        out,
        r#"
@Sendable
class Model{i}<T extends object = {{}}> extends Base implements ISendable {{
  private readonly id: number = {i};
  state: ModelState = ModelState.ACTIVE;
  items: collections.Array<number> = new collections.Array<number>();
  constructor(public name: string, private lock?: ArkTSUtils.locks.AsyncLock) {{
    super();
  }}
  get size(): number {{ return this.items.length }}
  async update(values: number[]): Promise<void> {{
    await this.lock?.lockAsync(() => {{
      for (let k = 0; k < values.length; k++) {{
        this.items.push(values[k] * 2 + {i});
      }}
    }});
  }}
  describe(): string {{
    return `model ${{this.name}} has ${{this.items.length}} items (#{i})`;
  }}
}}

@Concurrent
function compute{i}(base: number, factor: number = 1.5): number {{
  let total = 0;
  for (let j = 0; j < base; j++) {{
    total += j % 2 === 0 ? j * factor : -j / factor;
  }}
  const result = {{ id: {i}, total, tags: ['a', 'b', "c"], nested: {{ ok: total > 0 }} }};
  return result.nested.ok ? total : Math.abs(total) ?? 0;
}}

export async function run{i}(port: ThreadWorkerGlobalScope): Promise<void> {{
  const task = new taskpool.Task(compute{i}, {i}, 2);
  const value = await taskpool.execute(task) as number;
  port.onmessage = (e: MessageEvents): void => {{
    if (e.data?.type === 'stop') {{
      port.close()
      return
    }}
    const list = [1, 2, 3].map((x: number) => x + value).filter(x => x > 2)
    port.postMessage({{ status: 'ok', list, value }})
  }}
}}
"#
    );
}

/// Nanoseconds this process has spent on a CPU (user + system time from Linux `/proc/self/stat`,
/// in clock ticks of 10 ms), so that the figure means something on a busy machine too; `None`
/// where that file does not exist.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * 10_000_000)
}

fn main() {
    let target: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10 * 1024 * 1024);
    let mut source =
        String::from("import { taskpool, worker, collections, ArkTSUtils } from '@kit.ArkTS';\n");
    let mut i = 0;
    while source.len() < target {
        chunk(&mut source, i);
        i += 1;
    }
    let mb = source.len() as f64 / (1024.0 * 1024.0);
    // One warm-up run, then the best of three.
    let warm = skiff_parser::parse_module(&source, FileId(0));
    assert!(
        warm.diagnostics.is_empty(),
        "the generated code should parse cleanly: {:?}",
        &warm.diagnostics[..warm.diagnostics.len().min(3)]
    );
    drop(warm);
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let cpu_start = cpu_ns();
        let result = skiff_parser::parse_module(&source, FileId(0));
        let secs = start.elapsed().as_secs_f64();
        if let (Some(a), Some(b)) = (cpu_start, cpu_ns()) {
            best_cpu = best_cpu.min(b.saturating_sub(a) as f64 / 1e9);
        }
        std::hint::black_box(&result);
        best = best.min(secs);
    }
    let lex_start = Instant::now();
    let lexed = skiff_lexer::tokenize(&source, FileId(0));
    let lex_secs = lex_start.elapsed().as_secs_f64();
    println!(
        "source: {mb:.1} MB, {} statements' worth of chunks, {} tokens",
        i,
        lexed.tokens.len()
    );
    println!("lexer + contextual layer: {:.1} MB/s", mb / lex_secs);
    println!(
        "parse_module (lex + parse + AST): {:.1} MB/s ({:.3} s best of 3)",
        mb / best,
        best
    );
}

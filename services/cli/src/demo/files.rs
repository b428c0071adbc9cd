//! The result files a demo job writes: real outputs of two GPU benchmarks
//! (provenance in shared/extract/tests/fixtures/results/expected.json), their
//! measured numbers scaled by the night's factor so that the trend has
//! something to show. Layout, headers and the unscaled columns stay as the
//! tools printed them.

use anyhow::Context as _;

/// Primus GEMM benchmark, per-rank table (Markdown).
const GEMM_PER_RANK: &str = include_str!(
    "../../../../shared/extract/tests/fixtures/results/md/primus-benchmark-gemm-m4096-per-rank.md"
);
/// Triton's matmul performance report (CSV).
const MATMUL_REPORT: &str = include_str!(
    "../../../../shared/extract/tests/fixtures/results/csv/triton-perf-report-matmul-performance.csv"
);

/// How a measured column follows the night's speed factor.
#[derive(Debug, Clone, Copy)]
enum Scale {
    /// Throughput: multiplied by the factor.
    With,
    /// Time: divided by it.
    Against,
}

/// One file of a job, relative to the job's own directory.
#[derive(Debug)]
pub struct ResultFile {
    pub name: &'static str,
    pub contents: String,
}

/// The files one job writes when its GPUs ran at `factor` × the recorded speed.
pub fn job_files(factor: f64) -> anyhow::Result<Vec<ResultFile>> {
    Ok(vec![
        ResultFile {
            name: "gemm-per-rank.md",
            contents: scale_markdown_table(
                GEMM_PER_RANK,
                &[
                    ("Time (s)", Scale::Against),
                    ("TFLOPS", Scale::With),
                    ("BW (GB/s)", Scale::With),
                ],
                factor,
            )?,
        },
        ResultFile {
            name: "matmul-performance.csv",
            contents: scale_csv(
                MATMUL_REPORT,
                &[("cuBLAS", Scale::With), ("Triton", Scale::With)],
                factor,
            )?,
        },
    ])
}

/// `value` scaled, printed with the decimals the tool printed it with.
fn scaled(text: &str, scale: Scale, factor: f64) -> Option<String> {
    let value: f64 = text.parse().ok()?;
    let value = match scale {
        Scale::With => value * factor,
        Scale::Against => value / factor,
    };
    let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
    Some(format!("{value:.decimals$}"))
}

/// A pipe table with the named columns' numbers scaled; other lines untouched.
fn scale_markdown_table(
    text: &str,
    columns: &[(&str, Scale)],
    factor: f64,
) -> anyhow::Result<String> {
    let mut header: Option<Vec<String>> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        if !line.trim_start().starts_with('|') {
            out.push(line.to_owned());
            continue;
        }
        let cells: Vec<&str> = line.split('|').collect();
        let Some(names) = &header else {
            header = Some(cells.iter().map(|c| c.trim().to_owned()).collect());
            out.push(line.to_owned());
            continue;
        };
        let mut cells: Vec<String> = cells.into_iter().map(str::to_owned).collect();
        for (column, scale) in columns {
            let index = names
                .iter()
                .position(|n| n == column)
                .with_context(|| format!("the table has no column {column:?}"))?;
            if let Some(cell) = cells.get_mut(index) {
                let number = cell.trim().to_owned();
                if let Some(new) = scaled(&number, *scale, factor) {
                    *cell = cell.replacen(&number, &new, 1);
                }
            }
        }
        out.push(cells.join("|"));
    }
    Ok(out.join("\n") + "\n")
}

/// A CSV file with the named columns' numbers scaled.
fn scale_csv(text: &str, columns: &[(&str, Scale)], factor: f64) -> anyhow::Result<String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    let targets = columns
        .iter()
        .map(|(column, scale)| {
            headers
                .iter()
                .position(|h| h == *column)
                .map(|i| (i, *scale))
                .with_context(|| format!("the CSV has no column {column:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&headers)?;
    for record in reader.records() {
        let record = record?;
        let row: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                targets
                    .iter()
                    .find(|(t, _)| *t == i)
                    .and_then(|(_, scale)| scaled(cell, *scale, factor))
                    .unwrap_or_else(|| cell.to_owned())
            })
            .collect();
        writer.write_record(&row)?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_one_writes_the_files_as_recorded() {
        let files = job_files(1.0).unwrap();
        assert_eq!(files[0].contents.trim_end(), GEMM_PER_RANK.trim_end());
        assert_eq!(files[1].contents.trim_end(), MATMUL_REPORT.trim_end());
    }

    #[test]
    fn throughput_scales_with_the_factor_and_time_against_it() {
        let files = job_files(2.0).unwrap();
        let gemm = &files[0].contents;
        // rank 0: 0.000228 s, 603.26 TFLOPS, 441.84 GB/s; TFLOP and sizes unchanged
        assert!(
            gemm.contains(
                "| 0 | gpu-40 | 4096 | 4096 | 4096 | 0.000114 | 0.14 | 1206.52 | 883.68 |"
            ),
            "{gemm}"
        );
        let csv = &files[1].contents;
        assert!(csv.starts_with("M,cuBLAS,Triton\n256.0,7.2,7.2\n"), "{csv}");
        assert!(csv.contains("\n4096.0,376.0,333.0"), "{csv}");
    }

    #[test]
    fn a_missing_column_is_an_error_naming_it() {
        let err = scale_csv("a,b\n1,2\n", &[("c", Scale::With)], 2.0).unwrap_err();
        assert!(err.to_string().contains("\"c\""), "{err}");
        let err =
            scale_markdown_table("| a |\n|---|\n| 1 |\n", &[("c", Scale::With)], 2.0).unwrap_err();
        assert!(err.to_string().contains("\"c\""), "{err}");
    }
}

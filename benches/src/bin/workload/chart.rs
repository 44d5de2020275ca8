//! The scaling curve as an SVG chart (`plotters`, SVG backend): EventCore's
//! W2 commands per second and the raw single-row commits per second over
//! the task count, on a log2 axis.

use eventcore_benches::BenchResult;
use plotters::prelude::*;

/// One task count of the curve (medians over the runs).
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub tasks: usize,
    pub commands_per_second: f64,
    pub raw_commits_per_second: f64,
}

const SIZE: (u32, u32) = (900, 540);
const OURS: RGBColor = RGBColor(31, 119, 180);
const RAW: RGBColor = RGBColor(214, 39, 40);

/// The chart of `points` as an SVG document; `transfers` and `runs` go
/// into the caption.
pub fn render(points: &[Point], transfers: usize, runs: usize) -> BenchResult<String> {
    if points.is_empty() {
        return Err("the scaling curve has no points to draw".into());
    }
    let xs: Vec<f64> = points.iter().map(|p| log2(p.tasks)).collect();
    let x_max = xs.iter().copied().fold(0.0, f64::max);
    let y_max = points
        .iter()
        .flat_map(|p| [p.commands_per_second, p.raw_commits_per_second])
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.1;
    let ours: Vec<(f64, f64)> = xs
        .iter()
        .zip(points)
        .map(|(&x, p)| (x, p.commands_per_second))
        .filter(|(_, y)| y.is_finite())
        .collect();
    let raw: Vec<(f64, f64)> = xs
        .iter()
        .zip(points)
        .map(|(&x, p)| (x, p.raw_commits_per_second))
        .filter(|(_, y)| y.is_finite())
        .collect();

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let caption = format!(
            "PostgreSQL: W2 ({transfers} transfers) against raw single-row commits, median of {runs} run(s)"
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 18))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.25..x_max + 0.25, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc("concurrent tasks = connections (log2 scale)")
            .y_desc("per second")
            // A label at each whole exponent (each task count), no
            // light lines between them.
            .x_labels(xs.len() + 1)
            .x_max_light_lines(0)
            .y_max_light_lines(1)
            .x_label_formatter(&|x| {
                if (x - x.round()).abs() < 1e-9 {
                    format!("{:.0}", x.exp2())
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()?;
        chart
            .draw_series(LineSeries::new(ours.iter().copied(), OURS.stroke_width(2)))?
            .label("EventCore W2 transfers, commands/s")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], OURS.stroke_width(2)));
        chart.draw_series(ours.iter().map(|&p| Circle::new(p, 4, OURS.filled())))?;
        chart
            .draw_series(LineSeries::new(raw.iter().copied(), RAW.stroke_width(2)))?
            .label("raw single-row INSERT, commits/s")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RAW.stroke_width(2)));
        chart.draw_series(raw.iter().map(|&p| Circle::new(p, 4, RAW.filled())))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}

/// `log2(n)` (task counts are small: exact in f64).
fn log2(n: usize) -> f64 {
    (n.max(1) as f64).log2()
}

//! The report's charts, drawn with `plotters` into inline SVG strings (its SVG backend writes
//! text as escaped `<text>` elements, so no font file is needed and a district name can never
//! become markup). Values arrive already computed (stored indicators); `f64` here only places
//! marks on a chart and never touches an amount.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Colours of the report (also used by its CSS).
pub const PILOT: RGBColor = RGBColor(0x1b, 0x7f, 0x79);
pub const CONTROL: RGBColor = RGBColor(0xc8, 0x79, 0x3a);
pub const PROGRAM: RGBColor = RGBColor(0x2c, 0x3e, 0x66);

const FONT: &str = "sans-serif";
const WIDTH: u32 = 720;

/// One horizontal bar: its label, its value in percent (none: no data) and the text shown
/// beside it.
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub text: String,
    pub color: RGBColor,
}

/// One line of a trend chart: a value in percent per period (none: no data that month).
pub struct Line {
    pub name: String,
    pub color: RGBColor,
    pub values: Vec<Option<f64>>,
}

/// The smallest round axis end above every value (percent), so the top bar leaves room.
fn axis_end(values: impl Iterator<Item = f64>) -> f64 {
    let max = values.fold(0.0_f64, f64::max);
    [10.0, 20.0, 25.0, 40.0, 50.0, 60.0, 80.0, 100.0, 150.0, 200.0, 300.0, 500.0, 1000.0]
        .into_iter()
        .find(|end| *end > max)
        .unwrap_or(max)
}

fn segment_label(labels: &[String], v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

/// Horizontal bars, one per item, on a 0…N % axis.
pub fn bars(bars: &[Bar]) -> Result<String, String> {
    let n = bars.len().max(1);
    let height = 50 + 28 * u32::try_from(n).unwrap_or(1);
    let end = axis_end(bars.iter().filter_map(|b| b.value));
    // The y axis counts upwards: list the labels bottom first so the first bar is on top.
    let labels: Vec<String> = bars.iter().rev().map(|b| b.label.clone()).collect();
    let slot = |i: usize| n - 1 - i;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(130)
            .x_label_area_size(24)
            .y_label_area_size(230)
            .build_cartesian_2d(0.0..end, (0..n).into_segmented())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .y_labels(n)
            .y_label_formatter(&|v| segment_label(&labels, v))
            .x_label_formatter(&|x| format!("{x:.0} %"))
            .label_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
                let value = b.value?;
                let mut r = Rectangle::new(
                    [(0.0, SegmentValue::Exact(slot(i))), (value, SegmentValue::Exact(slot(i) + 1))],
                    b.color.filled(),
                );
                r.set_margin(5, 5, 0, 0);
                Some(r)
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
                Text::new(
                    format!("  {}", b.text),
                    (b.value.unwrap_or(0.0), SegmentValue::CenterOf(slot(i))),
                    style,
                )
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// One line per series over the periods (x axis), 0…N %.
pub fn trend(periods: &[String], lines: &[Line]) -> Result<String, String> {
    let n = periods.len().max(1);
    let end = axis_end(lines.iter().flat_map(|l| l.values.iter().flatten().copied()));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(20)
            .x_label_area_size(26)
            .y_label_area_size(50)
            .build_cartesian_2d((0..n).into_segmented(), 0.0..end)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(n)
            .x_label_formatter(&|v| segment_label(periods, v))
            .y_label_formatter(&|y| format!("{y:.0} %"))
            .label_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        for line in lines {
            let points: Vec<(SegmentValue<usize>, f64)> = line
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (SegmentValue::CenterOf(i), v)))
                .collect();
            let color = line.color;
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
                .map_err(|e| e.to_string())?
                .label(line.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
            chart
                .draw_series(points.into_iter().map(|p| Circle::new(p, 5, color.filled())))
                .map_err(|e| e.to_string())?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(0xcc, 0xcc, 0xcc))
            .label_font((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

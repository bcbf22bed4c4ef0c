using Dojo.Domain.Jobs;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Jobs;

/// <summary>What a plot shows: the training metric and its validation twin, per epoch.</summary>
public enum PlotKind { Loss, Accuracy }

/// <summary>
/// A job's learning curves as a PNG (ScottPlot, headless): training and validation loss or accuracy per
/// epoch, from the stored points — so a plot of a running job shows the epochs so far.
/// </summary>
public static class JobPlots
{
    public static async Task<byte[]> RenderAsync(DojoDb db, Job job, PlotKind kind, CancellationToken ct)
    {
        var (train, validation, label) = kind == PlotKind.Loss
            ? (MetricNames.Loss, MetricNames.ValLoss, "loss")
            : (MetricNames.Accuracy, MetricNames.ValAccuracy, "accuracy");
        string test = kind == PlotKind.Loss ? MetricNames.TestLoss : MetricNames.TestAccuracy;
        var points = await db.MetricPoints.AsNoTracking()
            .Where(p => p.JobId == job.Id && (p.Name == train || p.Name == validation || p.Name == test))
            .OrderBy(p => p.Seq).Select(p => new { p.Name, p.Epoch, p.Value }).ToListAsync(ct);
        // A kind measured on its test split every epoch (the playground page's) shows that curve where others show validation.
        if (!points.Any(p => p.Name == validation) && points.Count(p => p.Name == test) > 1) validation = test;
        points = points.Where(p => p.Name == train || p.Name == validation).ToList();

        var series = new[] { (train, "training"), (validation, validation == test ? "test" : "validation") }
            .Select(s => (Legend: s.Item2, Points: points.Where(p => p.Name == s.Item1).ToList())).Where(s => s.Points.Count > 0)
            .Select(s => (s.Legend, s.Points.Select(p => (double)p.Epoch).ToArray(), s.Points.Select(p => p.Value).ToArray())).ToList();
        var plot = Figure($"{job.Name ?? job.Id.ToString()} — {label}", label, series);
        return plot.GetImageBytes(800, 500, ScottPlot.ImageFormat.Png);
    }

    /// <summary>The figure: a line per series by epoch, the legend beside the curves, text in a font that has its characters.</summary>
    public static ScottPlot.Plot Figure(string title, string label, IReadOnlyList<(string Legend, double[] Epochs, double[] Values)> series)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (legend, epochs, values) in series)
        {
            var line = plot.Add.Scatter(epochs, values);
            line.LegendText = legend;
            line.MarkerSize = epochs.Length > 50 ? 0 : 4;
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.YLabel(label);
        if (series.Count > 0) plot.ShowLegend(ScottPlot.Edge.Right); // beside the curves, never over their last epochs
        PlotFonts.Fit(plot, [title, label, .. series.Select(s => s.Legend)]); // job names are often Japanese
        return plot;
    }
}

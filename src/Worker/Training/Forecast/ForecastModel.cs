using System.Text.Json;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Forecast;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.Extensions.Options;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Forecast;

/// <summary>What a forecast job answers: the next values after the series' last, in its own units.</summary>
public sealed record ForecastResponse(string Series, int Known, double Last, IReadOnlyList<double> Forecast);

/// <summary>
/// A finished forecast job: its network and its series (every known value, scaled as in training). Answers
/// <c>{ "steps": n }</c> with the n values after the series' end, each window of forecasts fed back as inputs for the
/// next (recursive forecasting: errors compound, as they would for anyone forecasting that far).
/// </summary>
public sealed class ForecastModel(Sequential net, TimeSeriesData data, TimeSeriesDatasetSpec spec) : ITrainedJob
{
    public const int MaxSteps = 1000;

    public sealed class Loader(IOptions<DojoOptions>? storage = null) : ITrainedJobLoader
    {
        private readonly DatasetFolders _folders = DatasetFolders.From(storage);

        public ITrainedJob Load(JobSpec spec, Evaluation? evaluation, Func<string, string> weights)
        {
            var forecast = (ForecastSpec)spec;
            var net = ModelBuilder.Build(forecast.Network, forecast.Dataset.SampleShape(), NetworkInit.ForLoading).Net;
            try
            {
                net.load(weights(ModelNames.Default));
                net.eval();
                return new ForecastModel(net, TimeSeriesData.Load(forecast.Series, _folders.Builtin, _folders.Uploads), forecast.Series);
            }
            catch
            {
                net.Dispose();
                throw;
            }
        }
    }

    public object Answer(JsonElement request)
    {
        PredictionInputException.OnlyMembers(request, "steps");
        int steps = PredictionInputException.Count(request, "steps", 1, MaxSteps);
        var values = data.Forecast(steps, window =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            return net.forward(tensor(window, [1, window.Length, 1])).data<float>().ToArray();
        });
        return new ForecastResponse(spec.SeriesName, data.Values.Count, data.Values[^1], values);
    }

    public void Dispose() => net.Dispose();
}

using System.Text.Json;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Dqn;
using Dojo.Domain.Specs;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Dqn;

/// <summary>The greedy action and every action's Q-value, for each state asked about (in the order asked).</summary>
public sealed record ActResponse(IReadOnlyList<int> Actions, IReadOnlyList<float[]> QValues);

/// <summary>
/// A finished DQN's Q-network (<c>POST /api/jobs/{id}/act</c>). Answers <c>{ "states": [[…], …] }</c>, observations
/// as the environment gives them (cart-pole: position, velocity, angle, angular velocity), and for a grid world also
/// <c>{ "cells": [[row, column], …] }</c>, with the greedy action and the Q-values of each.
/// </summary>
public sealed class TrainedDqn(nn.Module<Tensor, Tensor> q, DqnSpec spec) : ITrainedJob
{
    public const int MaxStates = 10_000;

    public sealed class Loader : ITrainedJobLoader
    {
        public ITrainedJob Load(JobSpec spec, Evaluation? evaluation, Func<string, string> weights)
        {
            var dqn = (DqnSpec)spec;
            return new TrainedDqn(TrainedNetwork.Load(dqn.Network, [dqn.Shapes().Observation], weights(ModelNames.Q)), dqn);
        }
    }

    public object Answer(JsonElement request)
    {
        var environment = spec.Environment.Create(0);
        bool grid = environment is GridWorld;
        if (grid) PredictionInputException.OnlyMembers(request, "states", "cells");
        else PredictionInputException.OnlyMembers(request, "states");
        var states = request.TryGetProperty("cells", out var cells) && environment is GridWorld world
            ? Rows(cells, "cells", 2).Select((cell, n) => world.ObservationOf(Cell(world, cell, $"cells[{n}]"))).ToList()
            : Rows(request.TryGetProperty("states", out var given) ? given : default, "states", environment.ObservationSize);
        var values = QNetwork.Values(q, states, CPU);
        return new ActResponse(values.Select(QNetwork.ArgMax).ToList(), values);
    }

    /// <summary>An array of 1 to <see cref="MaxStates"/> arrays of <paramref name="size"/> finite numbers.</summary>
    private static List<float[]> Rows(JsonElement rows, string field, int size)
    {
        if (rows.ValueKind != JsonValueKind.Array || rows.GetArrayLength() is 0 or > MaxStates)
            throw new PredictionInputException(field, $"must be an array of 1 to {MaxStates} arrays of {size} numbers");
        var result = new List<float[]>();
        foreach (var row in rows.EnumerateArray())
        {
            string at = $"{field}[{result.Count}]";
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != size) throw new PredictionInputException(at, $"must be an array of {size} numbers");
            result.Add(row.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number && v.TryGetSingle(out float f) && float.IsFinite(f)
                ? f : throw new PredictionInputException(at, "must hold finite numbers only")).ToArray());
        }
        return result;
    }

    private static (int Row, int Column) Cell(GridWorld world, float[] cell, string field)
    {
        var (row, column) = ((int)cell[0], (int)cell[1]);
        if (row != cell[0] || column != cell[1] || row < 0 || row >= world.Rows || column < 0 || column >= world.Columns)
            throw new PredictionInputException(field, $"must be [row, column] inside the {world.Rows}×{world.Columns} map");
        return (row, column);
    }

    public void Dispose() => q.Dispose();
}

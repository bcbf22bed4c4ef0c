using Dojo.Domain.Specs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>
/// A recurrent layer as its spec (<see cref="RecurrentLayer"/>) describes it: [batch, steps, features] in, every step's
/// output [batch, steps, hidden·directions] or the last step's [batch, hidden·directions] out. Stacked cells are
/// separate one-cell libtorch modules (<c>cell0</c>, <c>cell1</c>, …) with <see cref="SeededDropout"/> between them:
/// libtorch's own between-cell dropout draws from the process-wide generator, which would make a resumed job differ
/// from an uninterrupted one. Each batch starts from a zero state.
/// </summary>
public sealed class Recurrent : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module> _cells = [];
    private readonly SeededDropout? _dropout;
    private readonly bool _returnSequences;
    private readonly long _hidden;
    private readonly bool _bidirectional;

    public Recurrent(RecurrentLayer spec, long inputFeatures, Generator? dropout) : base(nameof(Recurrent))
    {
        Gates = spec.Gates();
        _returnSequences = spec.ReturnSequences;
        _hidden = spec.HiddenSize;
        _bidirectional = spec.Bidirectional;
        for (int i = 0; i < spec.Layers; i++)
        {
            long inputs = i == 0 ? inputFeatures : spec.OutputWidth;
            nn.Module cell = spec switch
            {
                LstmLayer => nn.LSTM(inputs, spec.HiddenSize, batchFirst: true, bidirectional: spec.Bidirectional),
                GruLayer => nn.GRU(inputs, spec.HiddenSize, batchFirst: true, bidirectional: spec.Bidirectional),
                _ => nn.RNN(inputs, spec.HiddenSize, batchFirst: true, bidirectional: spec.Bidirectional), // tanh
            };
            _cells.Add(cell);
            register_module($"cell{i}", cell);
        }
        if (spec.Dropout > 0) register_module("dropout", _dropout = new SeededDropout(spec.Dropout, dropout)); // registered: train()/eval() reach it
    }

    /// <summary>Weight matrices per cell: 1 for a plain RNN, 3 for a GRU, 4 for an LSTM (their rows stacked in each parameter).</summary>
    public int Gates { get; }

    /// <summary>Each cell's parameters in a fixed order (weight_ih, weight_hh, bias_ih, bias_hh, then the reverse direction's).</summary>
    public IEnumerable<IReadOnlyList<(string Name, Parameter Parameter)>> Cells =>
        _cells.Select(cell => (IReadOnlyList<(string, Parameter)>)cell.named_parameters().ToList());

    public override Tensor forward(Tensor input)
    {
        var (x, _) = Run(input, null);
        if (_returnSequences) return x;
        using var last = x.select(1, -1);
        if (!_bidirectional) return last.alias();
        // The forward direction has read everything at the last step; the backward direction at the first.
        using var forwards = last.narrow(1, 0, _hidden);
        using var first = x.select(1, 0);
        using var backwards = first.narrow(1, _hidden, _hidden);
        return cat([forwards, backwards], 1);
    }

    /// <summary>
    /// Every step's output [batch, steps, hidden·directions] from a given state (null: zeros), and each cell's state
    /// after the last step — what an encoder hands its decoder, and what a decoder carries from one step to the next.
    /// </summary>
    public (Tensor Output, IReadOnlyList<CellState> States) Run(Tensor input, IReadOnlyList<CellState>? from)
    {
        var x = input;
        var states = new List<CellState>(_cells.Count);
        for (int i = 0; i < _cells.Count; i++)
        {
            if (i > 0 && _dropout is not null) x = _dropout.forward(x);
            var state = from?[i];
            switch (_cells[i])
            {
                case LSTM lstm:
                    var (lstmOut, h, c) = lstm.forward(x, state is { } s ? (s.H, s.C!) : null);
                    (x, state) = (lstmOut, new CellState(h, c));
                    break;
                case GRU gru:
                    var (gruOut, gruH) = gru.forward(x, state?.H);
                    (x, state) = (gruOut, new CellState(gruH, null));
                    break;
                case RNN rnn:
                    var (rnnOut, rnnH) = rnn.forward(x, state?.H);
                    (x, state) = (rnnOut, new CellState(rnnH, null));
                    break;
                default:
                    throw new InvalidOperationException($"{_cells[i].GetType().Name} is not a recurrent cell");
            }
            states.Add(state);
        }
        return (x, states);
    }
}

/// <summary>A cell's state between steps: the hidden state [directions, batch, hidden], and an LSTM's cell state beside it.</summary>
public sealed record CellState(Tensor H, Tensor? C);

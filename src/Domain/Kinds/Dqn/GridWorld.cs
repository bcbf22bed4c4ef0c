namespace Dojo.Domain.Kinds.Dqn;

/// <summary>
/// A grid world drawn as text, a string per row: <c>#</c> wall, <c>.</c> floor, <c>S</c> the start (exactly one),
/// <c>G</c> a goal (+1, ends the episode; at least one), <c>P</c> a pit (−1, ends it). Every step also earns
/// <see cref="StepPenalty"/> (e.g. −0.01, so shorter paths pay more); with probability <see cref="Slip"/> a move goes
/// in a random other direction; a move into a wall or off the map stays put; an episode is cut after
/// <see cref="MaxSteps"/>. Observation: the agent's cell one-hot (rows × columns). Actions: 0 up, 1 right, 2 down, 3 left.
/// </summary>
public sealed class GridWorld : IEnvironment
{
    private static readonly (int Row, int Column)[] Moves = [(-1, 0), (0, 1), (1, 0), (0, -1)];

    private readonly string[] _map;
    private readonly SplitMix _random;
    private readonly (int Row, int Column) _start;
    private (int Row, int Column) _at;
    private int _steps;

    public GridWorld(IReadOnlyList<string> map, double stepPenalty, double slip, int maxSteps, int seed)
    {
        if (Problem(map) is { } problem) throw new ArgumentException(problem, nameof(map));
        _map = [.. map];
        (StepPenalty, Slip, MaxSteps) = (stepPenalty, slip, maxSteps);
        _random = new SplitMix((ulong)seed);
        _start = Cells().Single(c => this[c] == 'S');
        _at = _start;
    }

    public double StepPenalty { get; }
    public double Slip { get; }
    public int MaxSteps { get; }
    public int Rows => _map.Length;
    public int Columns => _map[0].Length;
    public int ObservationSize => Rows * Columns;
    public int Actions => 4;
    public (int Row, int Column) Position => _at;

    /// <summary>What is at a cell: # wall, . floor, S start, G goal, P pit.</summary>
    public char this[(int Row, int Column) cell] => _map[cell.Row][cell.Column];

    /// <summary>What is wrong with a map (for the 400 naming it), or null.</summary>
    public static string? Problem(IReadOnlyList<string>? map)
    {
        if (map is null || map.Count == 0 || map[0].Length == 0) return "must be rows of text, e.g. [\"S..\", \".#G\"]";
        if (map.Count * map[0].Length > 400) return "may have at most 400 cells";
        if (map.Any(row => row is null || row.Length != map[0].Length)) return $"rows must all be {map[0].Length} characters long";
        if (map.SelectMany(row => row).FirstOrDefault(c => !"#.SGP".Contains(c)) is var bad and not '\0') return $"'{bad}' is not a cell: # wall, . floor, S start, G goal, P pit";
        int starts = map.Sum(row => row.Count(c => c == 'S'));
        if (starts != 1) return $"needs exactly one start S (it has {starts})";
        if (!map.Any(row => row.Contains('G'))) return "needs a goal G";
        return null;
    }

    public float[] Reset()
    {
        (_at, _steps) = (_start, 0);
        return Observation();
    }

    public Transition Step(int action)
    {
        if (action is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(action), action, "grid actions are 0 up, 1 right, 2 down, 3 left");
        if (Slip > 0 && _random.NextDouble() < Slip) action = (action + 1 + _random.Next(3)) % 4; // one of the other three
        var next = (_at.Row + Moves[action].Row, _at.Column + Moves[action].Column);
        if (next.Item1 >= 0 && next.Item1 < Rows && next.Item2 >= 0 && next.Item2 < Columns && this[next] != '#') _at = next;
        _steps++;
        char cell = this[_at];
        double reward = StepPenalty + (cell == 'G' ? 1 : cell == 'P' ? -1 : 0);
        bool ended = cell is 'G' or 'P';
        return new Transition(Observation(), reward, ended, !ended && _steps >= MaxSteps);
    }

    /// <summary>The best return from the start without slips: the shortest path to a goal that avoids pits, or null when none exists.</summary>
    public double? OptimalReturn()
    {
        var distance = new Dictionary<(int, int), int> { [_start] = 0 };
        var queue = new Queue<(int Row, int Column)>([_start]);
        while (queue.TryDequeue(out var cell))
        {
            if (this[cell] == 'G') return distance[cell] * StepPenalty + 1;
            if (this[cell] == 'P') continue;
            foreach (var (dr, dc) in Moves)
            {
                var next = (cell.Row + dr, cell.Column + dc);
                if (next.Item1 < 0 || next.Item1 >= Rows || next.Item2 < 0 || next.Item2 >= Columns || this[next] == '#' || distance.ContainsKey(next)) continue;
                distance[next] = distance[cell] + 1;
                queue.Enqueue(next);
            }
        }
        return null;
    }

    /// <summary>The one-hot observation of a cell (the act endpoint's and a policy picture's inputs).</summary>
    public float[] ObservationOf((int Row, int Column) cell)
    {
        var observation = new float[ObservationSize];
        observation[cell.Row * Columns + cell.Column] = 1;
        return observation;
    }

    private float[] Observation() => ObservationOf(_at);

    /// <summary>Every cell, row by row.</summary>
    public IEnumerable<(int Row, int Column)> Cells() =>
        Enumerable.Range(0, Rows).SelectMany(r => Enumerable.Range(0, Columns).Select(c => (r, c)));

    public void Save(BinaryWriter writer)
    {
        writer.Write(_random.State);
        writer.Write(_at.Row);
        writer.Write(_at.Column);
        writer.Write(_steps);
    }

    public void Load(BinaryReader reader)
    {
        _random.State = reader.ReadUInt64();
        _at = (reader.ReadInt32(), reader.ReadInt32());
        _steps = reader.ReadInt32();
    }
}

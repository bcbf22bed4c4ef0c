namespace Dojo.Domain.Kinds.Dqn;

/// <summary>
/// The cart-pole of Barto, Sutton &amp; Anderson (1983) as Gym's CartPole-v1 runs it: gravity 9.8, cart 1.0, pole 0.1
/// of half-length 0.5, a push of ±10 N, τ = 0.02 s explicit Euler steps; reward 1 per step (the failing one too); the
/// episode fails beyond ±12° or ±2.4 and is cut at 500 steps; each starts uniform in ±0.05. Observation: cart
/// position and velocity, pole angle and angular velocity. Actions: 0 pushes left, 1 right.
/// </summary>
public sealed class CartPole(int seed) : IEnvironment
{
    public const double Gravity = 9.8, CartMass = 1.0, PoleMass = 0.1, HalfLength = 0.5, Force = 10.0, Tau = 0.02;
    public const double TotalMass = CartMass + PoleMass, PoleMassLength = PoleMass * HalfLength;
    public const double ThetaLimit = 12 * 2 * Math.PI / 360, XLimit = 2.4;
    public const int MaxSteps = 500;

    private readonly SplitMix _random = new((ulong)seed);
    private double _x, _xDot, _theta, _thetaDot;
    private int _steps;

    public int ObservationSize => 4;
    public int Actions => 2;

    /// <summary>The state as the equations carry it (double), for tests and traces.</summary>
    public (double X, double XDot, double Theta, double ThetaDot) State => (_x, _xDot, _theta, _thetaDot);

    /// <summary>Puts the cart-pole in a given state mid-episode (a trace's replay, and tests of the equations).</summary>
    public void Place(double x, double xDot, double theta, double thetaDot) => (_x, _xDot, _theta, _thetaDot, _steps) = (x, xDot, theta, thetaDot, 0);

    public float[] Reset()
    {
        (_x, _xDot, _theta, _thetaDot) = (_random.Uniform(-0.05, 0.05), _random.Uniform(-0.05, 0.05), _random.Uniform(-0.05, 0.05), _random.Uniform(-0.05, 0.05));
        _steps = 0;
        return Observation();
    }

    public Transition Step(int action)
    {
        if (action is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(action), action, "cart-pole actions are 0 (left) and 1 (right)");
        double force = action == 1 ? Force : -Force;
        double cos = Math.Cos(_theta), sin = Math.Sin(_theta);
        double temp = (force + PoleMassLength * _thetaDot * _thetaDot * sin) / TotalMass;
        double thetaAcc = (Gravity * sin - cos * temp) / (HalfLength * (4.0 / 3.0 - PoleMass * cos * cos / TotalMass));
        double xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;
        _x += Tau * _xDot;
        _xDot += Tau * xAcc;
        _theta += Tau * _thetaDot;
        _thetaDot += Tau * thetaAcc;
        _steps++;
        bool failed = _x < -XLimit || _x > XLimit || _theta < -ThetaLimit || _theta > ThetaLimit;
        return new Transition(Observation(), 1.0, failed, !failed && _steps >= MaxSteps);
    }

    private float[] Observation() => [(float)_x, (float)_xDot, (float)_theta, (float)_thetaDot];

    public void Save(BinaryWriter writer)
    {
        writer.Write(_random.State);
        foreach (double value in new[] { _x, _xDot, _theta, _thetaDot }) writer.Write(value);
        writer.Write(_steps);
    }

    public void Load(BinaryReader reader)
    {
        _random.State = reader.ReadUInt64();
        (_x, _xDot, _theta, _thetaDot) = (reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
        _steps = reader.ReadInt32();
    }
}

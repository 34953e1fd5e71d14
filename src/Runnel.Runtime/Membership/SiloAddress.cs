using System.Globalization;
using System.Net;

namespace Runnel.Runtime;

/// <summary>
/// A silo's identity: the endpoint it serves grain calls on plus a generation. A process that restarts on the same
/// endpoint joins with a higher generation, so it is a different silo: the older generation is declared dead, and a
/// probe or call addressed to it never reaches the new one. Text form <c>endpoint@generation</c>, e.g.
/// <c>127.0.0.1:11111@1767225600000</c>. Immutable.
/// </summary>
/// <param name="Endpoint">The <c>address:port</c> other silos and clients connect to.</param>
/// <param name="Generation">Chosen at join from the store's clock (Unix ms), strictly above every earlier generation
/// at the same endpoint still in the table.</param>
public readonly record struct SiloAddress(string Endpoint, long Generation)
{
    /// <summary>The <c>endpoint@generation</c> form (the silo id on the wire and in the table).</summary>
    public override string ToString() => Endpoint + "@" + Generation.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses the <c>endpoint@generation</c> form.</summary>
    public static bool TryParse(string? text, out SiloAddress address)
    {
        address = default;
        var at = text?.LastIndexOf('@') ?? -1;
        if (at <= 0
            || !long.TryParse(text.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            || !IPEndPoint.TryParse(text.AsSpan(0, at), out var endpoint)
            || endpoint.Port == 0)
        {
            return false;
        }

        address = new SiloAddress(text![..at], generation);
        return true;
    }

    /// <summary>Parses the <c>endpoint@generation</c> form.</summary>
    /// <exception cref="FormatException">Not a silo address.</exception>
    public static SiloAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not a silo address (endpoint@generation).");

    /// <summary>The endpoint to connect to.</summary>
    public IPEndPoint ToIPEndPoint() => IPEndPoint.Parse(Endpoint);
}

using System.Buffers;
using System.Buffers.Text;

namespace Runnel.Cli;

/// <summary>How record keys and values appear on stdin (<c>produce --input-format</c>) and stdout (<c>consume
/// --output-format</c>): <see cref="Raw"/> bytes exactly as stored (the default; never decoded or re-encoded as text),
/// lowercase <see cref="Hex"/>, or standard <see cref="Base64"/>.</summary>
internal enum BinaryEncoding
{
    Raw,
    Hex,
    Base64,
}

internal static class BinaryEncodings
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="output"/> in <paramref name="encoding"/>.</summary>
    public static void Write(BinaryEncoding encoding, ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        switch (encoding)
        {
            case BinaryEncoding.Raw:
                output.Write(bytes);
                break;
            case BinaryEncoding.Hex:
                var hex = output.GetSpan(bytes.Length * 2);
                for (var i = 0; i < bytes.Length; i++)
                {
                    hex[2 * i] = (byte)"0123456789abcdef"[bytes[i] >> 4];
                    hex[(2 * i) + 1] = (byte)"0123456789abcdef"[bytes[i] & 0xF];
                }

                output.Advance(bytes.Length * 2);
                break;
            case BinaryEncoding.Base64:
                var base64 = output.GetSpan(Base64.GetMaxEncodedToUtf8Length(bytes.Length));
                Base64.EncodeToUtf8(bytes, base64, out _, out var written);
                output.Advance(written);
                break;
        }
    }

    /// <summary>Decodes <paramref name="text"/> (as read from the input) from <paramref name="encoding"/>; null with
    /// <paramref name="problem"/> set when it is not valid hex or base64.</summary>
    public static byte[]? TryDecode(BinaryEncoding encoding, ReadOnlySpan<byte> text, out string? problem)
    {
        problem = null;
        switch (encoding)
        {
            case BinaryEncoding.Hex:
                if (text.Length % 2 != 0)
                {
                    problem = "odd number of hex digits";
                    return null;
                }

                var bytes = new byte[text.Length / 2];
                for (var i = 0; i < bytes.Length; i++)
                {
                    int high = HexDigit(text[2 * i]), low = HexDigit(text[(2 * i) + 1]);
                    if (high < 0 || low < 0)
                    {
                        problem = "not hex";
                        return null;
                    }

                    bytes[i] = (byte)((high << 4) | low);
                }

                return bytes;
            case BinaryEncoding.Base64:
                var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
                if (Base64.DecodeFromUtf8(text, decoded, out _, out var length) != OperationStatus.Done)
                {
                    problem = "not base64";
                    return null;
                }

                return decoded[..length];
            default:
                return text.ToArray();
        }
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}

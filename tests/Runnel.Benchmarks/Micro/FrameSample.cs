using Runnel.Grains;
using Runnel.Serialization;

namespace Runnel.Benchmarks.Micro;

/// <summary>Writes a request frame the way the client transport lays one out (length, version, kind, correlation id,
/// method id, view version, timeout, forward count, grain type and key, arguments).</summary>
internal static class FrameSample
{
    public static int EncodeProduceRequest(WireWriter frame, ProduceRequest request)
    {
        frame.Reset();
        var length = frame.ReserveFixed32();
        frame.WriteByte(1);
        frame.WriteByte(1);
        frame.WriteFixed64(42);
        frame.WriteFixed32(7);
        frame.WriteFixed64(1);
        frame.WriteFixed32(30_000);
        frame.WriteByte(0);
        frame.WriteString("partition");
        frame.WriteString("orders/3");
        frame.WriteField(1, request, WireCodec<ProduceRequest>.Instance);
        frame.PatchFixed32(length, (uint)(frame.WrittenCount - 4));
        return frame.WrittenCount;
    }
}

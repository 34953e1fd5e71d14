using System.Text;
using Runnel.Client.Tests.Fakes;
using Runnel.Log.Batches;

namespace Runnel.Client.Tests.Infrastructure;

/// <summary>Reads a fake partition's stored records back, for assertions.</summary>
public static class LogReader
{
    public static List<(long Offset, string? Key, string? Value)> Records(FakePartitionLog log)
    {
        var result = new List<(long, string?, string?)>();
        foreach (var batch in log.Batches)
        {
            using var records = new RecordBatchView(batch).ReadRecords();
            foreach (var record in records)
            {
                result.Add((record.Offset,
                    record.Key is { } k ? Encoding.UTF8.GetString(k.Span) : null,
                    record.Value is { } v ? Encoding.UTF8.GetString(v.Span) : null));
            }
        }

        return result;
    }
}

using System.Globalization;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.TestWorker;

/// <summary>
/// <c>storage-crash &lt;dataDir&gt; &lt;seed&gt;</c>: writes to a <see cref="FileObjectStore"/> until killed, replacing block
/// blobs <c>crash/block-k</c> and appending to append blobs <c>crash/append-a</c> with <see cref="CrashContent"/>,
/// and reports each operation on stdout before it starts and after it is acknowledged:
/// <code>
///   ready                                 state recovered from the store; operations follow
///   B put &lt;k&gt; &lt;g&gt;   /  A put &lt;k&gt; &lt;g&gt;          generation g of block blob k: begun / acknowledged
///   B append &lt;a&gt; &lt;seq&gt; &lt;offset&gt;  /  A ...   block seq of append blob a at offset: begun / acknowledged
/// </code>
/// It resumes from whatever the store holds (a landed but unacknowledged write included), so it can be killed and
/// restarted on the same directory any number of times.
/// </summary>
internal static class StorageCrashCommand
{
    public const int BlockBlobs = 3;
    public const int AppendBlobs = 2;

    public static async Task<int> RunAsync(string dataDirectory, int seed)
    {
        var store = new FileObjectStore(dataDirectory);
        var generations = new long[BlockBlobs];
        var etags = new ETag?[BlockBlobs];
        for (var k = 0; k < BlockBlobs; k++)
        {
            if (await store.TryGetAsync(BlockName(k)) is { } content)
            {
                generations[k] = CrashContent.ParseBlockBlob(k, content.Content.Span);
                etags[k] = content.Properties.ETag;
            }
        }

        var nextSeq = new long[AppendBlobs];
        var lengths = new long[AppendBlobs];
        for (var a = 0; a < AppendBlobs; a++)
        {
            if (await store.TryGetAsync(AppendName(a)) is not { } content)
            {
                try
                {
                    await store.CreateAppendBlobAsync(AppendName(a), BlobCondition.IfNotExists);
                }
                catch (PreconditionFailedException ex) when (ex.Kind == PreconditionKind.AlreadyExists)
                {
                    // Created by an earlier run that was killed before it could read it back.
                }

                continue;
            }

            nextSeq[a] = CrashContent.ParseAppendBlob(a, content.Content.Span).Count;
            lengths[a] = content.Properties.Length;
        }

        Report("ready");
        var random = new Random(seed);
        while (true)
        {
            if (random.Next(2) == 0)
            {
                var k = random.Next(BlockBlobs);
                var generation = generations[k] + 1;
                var condition = etags[k] is { } etag ? BlobCondition.IfETagMatches(etag) : BlobCondition.IfNotExists;
                Report($"B put {k} {generation}");
                var result = await store.PutAsync(BlockName(k), CrashContent.BlockBlob(k, generation), condition);
                Report($"A put {k} {generation}");
                generations[k] = generation;
                etags[k] = result.ETag;
            }
            else
            {
                var a = random.Next(AppendBlobs);
                var block = CrashContent.AppendBlock(a, nextSeq[a]);
                Report($"B append {a} {nextSeq[a]} {lengths[a]}");
                await store.AppendBlockAsync(AppendName(a), block, AppendCondition.AtPosition(lengths[a]));
                Report($"A append {a} {nextSeq[a]} {lengths[a]}");
                nextSeq[a]++;
                lengths[a] += block.Length;
            }
        }
    }

    public static string BlockName(int k) => string.Create(CultureInfo.InvariantCulture, $"crash/block-{k}");

    public static string AppendName(int a) => string.Create(CultureInfo.InvariantCulture, $"crash/append-{a}");

    private static void Report(string line) => Console.Out.WriteLine(line);
}

package dev.kembed.app;

import dev.kembed.model.arch.Architectures;
import dev.kembed.model.arch.Preset;
import java.util.Iterator;

/** The random presets every registered architecture offers, for {@code kembed model random --preset}'s help. */
final class PresetNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return Architectures.presets().stream().map(Preset::name).iterator();
    }
}

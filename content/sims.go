package content

import (
	"io/fs"

	"crmlab/scenarios/crmopt"
)

// loadSims reads the CRM-optimization scenarios in content/sims/.
func loadSims(fsys fs.FS, lib *Library) []Problem {
	return eachFile(fsys, "sims/*.yaml", func(file string, raw []byte) []Problem {
		sc, probs := crmopt.ParseScenario(raw)
		if sc == nil {
			return located(file, probs)
		}
		if p := idMatchesFile(file, sc.ID); p != nil {
			return p
		}
		lib.Sims[sc.ID] = sc
		return located(file, probs)
	})
}

// Sim finds a scenario.
func (l *Library) Sim(id string) (*crmopt.Scenario, bool) {
	sc, ok := l.Sims[id]
	return sc, ok
}

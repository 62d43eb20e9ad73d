package attn_test

import (
	"fmt"
	"log"

	attn "github.com/libattn/libattn/bindings/go"
)

func Example() {
	model, err := attn.LoadModel("models/dates")
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()
	session, err := model.NewSession()
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()
	out, err := session.Translate([]string{"3 mars 2021", "Wednesday 3rd of March 2021"}, attn.NumBeams(4))
	if err != nil {
		log.Fatal(err)
	}
	for _, hyps := range out {
		fmt.Println(hyps[0].Text)
	}

	// Greedy decoding, token by token.
	_, err = session.TranslateStream("le 1er mars 2021", func(tok attn.Token) bool {
		fmt.Printf("%d %q\n", tok.ID, tok.Text)
		return true
	})
	if err != nil {
		log.Fatal(err)
	}
}
